package dev.striate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FloatArenaTest {

    @Test
    void lendsTheLastReturnedArrayThatIsLongEnough() {
        FloatArena arena = new FloatArena();
        float[] big = arena.take(100);
        float[] small = arena.take(10);
        assertEquals(100, big.length);
        assertEquals(10, small.length);
        arena.give(big);
        arena.give(small);
        assertSame(small, arena.take(5), "the last returned, still in cache");
        assertSame(big, arena.take(50), "the only one long enough");
        assertNotSame(big, arena.take(50), "lent arrays are not lent twice");
    }

    @Test
    void replacesItsLargestArrayWhenNoneIsLongEnough() {
        FloatArena arena = new FloatArena();
        float[] a = arena.take(10);
        float[] b = arena.take(20);
        arena.give(a);
        arena.give(b);
        float[] c = arena.take(30);
        assertEquals(30, c.length);
        arena.give(c);
        assertSame(c, arena.take(25));
        assertSame(a, arena.take(1), "the shorter array stays; the 20-float one was dropped for the 30");
        assertTrue(arena.take(15).length == 15, "nothing else is left");
    }

    @Test
    void holdsAsManyArraysAsAreLentAtOnce() {
        FloatArena arena = new FloatArena();
        float[][] lent = new float[9][];
        for (int i = 0; i < lent.length; i++) {
            lent[i] = arena.take(i);
        }
        for (float[] array : lent) {
            arena.give(array);
        }
        for (int i = lent.length - 1; i >= 0; i--) {
            assertSame(lent[i], arena.take(i));
        }
        arena.give(null);
        assertThrows(IllegalArgumentException.class, () -> arena.take(-1));
    }
}
