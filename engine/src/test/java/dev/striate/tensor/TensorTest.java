package dev.striate.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void zerosIsContiguousRowMajor() {
        Tensor t = Tensor.zeros(2, 3, 4, 5);
        assertEquals(120, t.size());
        assertEquals(60, t.stride(0));
        assertEquals(20, t.stride(1));
        assertEquals(5, t.stride(2));
        assertEquals(1, t.stride(-1));
        assertTrue(t.isContiguous());
    }

    @Test
    void negativeDimensionIsRejectedWithTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -3));
        assertTrue(e.getMessage().contains("[2, -3]"), e.getMessage());
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void overflowingElementCountIsRejectedNotWrapped() {
        // 65536 * 65536 wraps to 0 in int arithmetic; it must be refused instead.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(65536, 65536));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shape.of(1 << 20, 1 << 11, 0, 1 << 20).rowMajorStrides());
    }

    @Test
    void zeroSizedDimensionsAreValid() {
        Tensor t = Tensor.zeros(0, 3);
        assertEquals(0, t.size());
        assertEquals(1, Tensor.zeros().size());
    }

    @Test
    void wrapChecksTheArrayIsLongEnough() {
        float[] data = new float[10];
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(data, 5, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(data, -1, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(data, 3, 3));
        assertEquals(6, Tensor.wrap(data, 4, 2, 3).size());
    }

    @Test
    void reshapeSharesDataAndInfersOneDimension() {
        float[] data = new float[24];
        Tensor t = Tensor.of(data, 2, 3, 4);
        Tensor r = t.reshape(6, -1);
        assertArrayEquals(new int[] {6, 4}, r.shape().toArray());
        assertSame(data, r.data());
        r.set(7f, 5, 3);
        assertEquals(7f, t.get(1, 2, 3));
    }

    @Test
    void reshapeRejectsMismatchedCounts() {
        Tensor t = Tensor.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, -1));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(-2, -3));
    }

    @Test
    void selectIsAViewOfOneImage() {
        Tensor batch = Tensor.zeros(2, 3, 4, 4);
        Tensor image = batch.select(0, 1);
        assertEquals(3, image.rank());
        assertEquals(48, image.offset());
        assertTrue(image.isContiguous());
        image.set(5f, 2, 3, 1);
        assertEquals(5f, batch.get(1, 2, 3, 1));
    }

    @Test
    void narrowedViewIsNotContiguousAndCannotBeReshaped() {
        Tensor t = Tensor.zeros(4, 6);
        Tensor cols = t.narrow(1, 2, 3);
        assertFalse(cols.isContiguous());
        assertEquals(2, cols.offset());
        cols.set(9f, 3, 0);
        assertEquals(9f, t.get(3, 2));
        assertThrows(IllegalStateException.class, () -> cols.reshape(12));
        Tensor copy = cols.copy();
        assertTrue(copy.isContiguous());
        assertEquals(9f, copy.get(3, 0));
    }

    @Test
    void indexOutOfRangeNamesAxisAndShape() {
        Tensor t = Tensor.zeros(2, 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.get(1, 3));
        assertTrue(e.getMessage().contains("axis 1") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.narrow(0, 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> t.select(2, 0));
    }
}
