package io.lopt.checkpoints;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor as stored in a safetensors file: a dtype, a shape and its little-endian bytes.
 */
public record Tensor(String name, DType dtype, long[] shape, byte[] data) {

    /** The element types lopt writes and reads. */
    public enum DType {
        F32(4), F64(8), I64(8), I32(4), U8(1);

        public final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        static DType parse(String s) {
            for (DType d : values()) {
                if (d.name().equals(s)) {
                    return d;
                }
            }
            return null;
        }
    }

    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        long n = elementCount(shape);
        if (n < 0 || n * dtype.bytes != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.length + " bytes do not hold a "
                    + dtype + Arrays.toString(shape));
        }
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long elements() {
        return elementCount(shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static Tensor f32(String name, int[] shape, float[] values) {
        ByteBuffer b = le(values.length * 4);
        b.asFloatBuffer().put(values);
        return new Tensor(name, DType.F32, toLong(shape), b.array());
    }

    public static Tensor f64(String name, double[] values) {
        ByteBuffer b = le(values.length * 8);
        b.asDoubleBuffer().put(values);
        return new Tensor(name, DType.F64, new long[] {values.length}, b.array());
    }

    public static Tensor i64(String name, long[] values) {
        ByteBuffer b = le(values.length * 8);
        b.asLongBuffer().put(values);
        return new Tensor(name, DType.I64, new long[] {values.length}, b.array());
    }

    private static long[] toLong(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    public float[] floats() {
        require(DType.F32);
        float[] out = new float[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    public double[] doubles() {
        require(DType.F64);
        double[] out = new double[data.length / 8];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }

    public long[] longs() {
        require(DType.I64);
        long[] out = new long[data.length / 8];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    private void require(DType d) {
        if (dtype != d) {
            throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not " + d);
        }
    }

    public String describe() {
        return name + " " + dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
    }
}
