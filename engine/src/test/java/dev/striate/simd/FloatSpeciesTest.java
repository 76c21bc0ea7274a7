package dev.striate.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** {@code striate.vector.bits}: every width up to the CPU's gives that float species; anything else is refused by name. */
class FloatSpeciesTest {

    private static final int WIDEST = FloatVector.SPECIES_PREFERRED.vectorBitSize();

    @Test
    void unsetOrBlankMeansThePreferredSpecies() {
        assertEquals(FloatVector.SPECIES_PREFERRED, FloatSpecies.choose(null));
        assertEquals(FloatVector.SPECIES_PREFERRED, FloatSpecies.choose(" "));
    }

    @Test
    void eachWidthUpToTheCpusGivesThatFloatSpecies() {
        for (int bits = 128; bits <= WIDEST; bits *= 2) {
            VectorSpecies<Float> s = FloatSpecies.choose(" " + bits + " ");
            assertEquals(bits, s.vectorBitSize());
            assertEquals(float.class, s.elementType());
            assertEquals(bits / 32, s.length());
        }
    }

    @Test
    void otherWidthsAndWiderThanTheCpuAreRefused() {
        for (String bad : new String[] {"64", "1024", "256x", "wide"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FloatSpecies.choose(bad));
            assertTrue(e.getMessage().contains("striate.vector.bits"), e.getMessage());
        }
        if (WIDEST < 512) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FloatSpecies.choose("512"));
            assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        }
    }
}
