package org.sparkresnet.model.layers;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * NCHW activations copied into a Java array, seen as N x C rows of H x W values (row = example * C + channel), with
 * the few row loops batch norm is made of. Plain loops over a Java array are what the JIT compiles well (the sums run
 * four independent accumulators; the element-wise loops are vectorised), and one bulk copy in and out costs about as
 * much as one ND4J op reading the data once. A float and a double version: the same loops on the two element types.
 * Instances hold per-thread scratch arrays that the next call on the same thread reuses: copy results out before that.
 */
abstract sealed class ChannelRows permits ChannelRows.Floats, ChannelRows.Doubles {
    /** Two scratch arrays per thread and element type: batch norm never needs more at once (x, dy; dx overwrites x). */
    static final int SLOTS = 2;

    final int rows;
    final int width;

    private ChannelRows(int rows, int width) {
        this.rows = rows;
        this.width = width;
    }

    /** A thread's scratch slot sized for {@code like}, uninitialised. {@code like} must be a supported type. */
    static ChannelRows scratch(int slot, INDArray like) {
        int rows = Math.toIntExact(like.size(0) * like.size(1));
        int width = Math.toIntExact(like.size(2) * like.size(3));
        return like.dataType() == DataType.DOUBLE ? Doubles.scratch(slot, rows, width) : Floats.scratch(slot, rows, width);
    }

    /** {@code x}'s values in a scratch slot. {@code x} must be contiguous with C-order strides. */
    static ChannelRows copyOf(int slot, INDArray x) {
        ChannelRows rows = scratch(slot, x);
        rows.load(x);
        return rows;
    }

    static boolean supports(DataType type) {
        return type == DataType.FLOAT || type == DataType.DOUBLE;
    }

    abstract void load(INDArray x);

    /** Writes the values into {@code target}, contiguous with C-order strides and of the same type and length. */
    abstract void store(INDArray target);

    /** The row's first value. */
    abstract double first(int row);

    /**
     * Adds the row's sums of (value - shift) and of (value - shift)^2 to {@code sums[0]} and {@code sums[1]}: the
     * mean and variance in one pass, without the cancellation of E[x^2] - E[x]^2 when the shift is near the mean.
     */
    abstract void addShiftedMoments(int row, double shift, double[] sums);

    /** Adds the row's sums of dy and of (value - centre) * dy to {@code sums[0]} and {@code sums[1]}, in one pass. */
    abstract void addGradientSums(int row, double centre, ChannelRows dy, double[] sums);

    /** out[row] = this[row] * scale + shift; {@code out} may be this. */
    abstract void scaleShift(int row, double scale, double shift, ChannelRows out);

    /** out[row] = a * dy[row] + b * this[row] + c; {@code out} may be this. */
    abstract void combine(int row, ChannelRows dy, double a, double b, double c, ChannelRows out);

    static final class Floats extends ChannelRows {
        private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[SLOTS][0]);
        private final float[] v;

        private Floats(float[] v, int rows, int width) {
            super(rows, width);
            this.v = v;
        }

        static Floats scratch(int slot, int rows, int width) {
            float[][] slots = SCRATCH.get();
            int length = Math.multiplyExact(rows, width);
            if (slots[slot].length < length) {
                slots[slot] = new float[length];
            }
            return new Floats(slots[slot], rows, width);
        }

        @Override
        void load(INDArray x) {
            // addressPointer() already points at the array's first element, views included
            new FloatPointer(x.data().addressPointer()).get(v, 0, rows * width);
        }

        @Override
        void store(INDArray target) {
            new FloatPointer(target.data().addressPointer()).put(v, 0, rows * width);
        }

        @Override
        double first(int row) {
            return v[row * width];
        }

        @Override
        void addShiftedMoments(int row, double shift, double[] sums) {
            float k = (float) shift;
            // four independent accumulators of each sum: the adds pipeline instead of waiting on one another
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
            int i = row * width;
            int end = i + width;
            for (; i + 3 < end; i += 4) {
                float d0 = v[i] - k, d1 = v[i + 1] - k, d2 = v[i + 2] - k, d3 = v[i + 3] - k;
                s0 += d0;
                s1 += d1;
                s2 += d2;
                s3 += d3;
                q0 += d0 * d0;
                q1 += d1 * d1;
                q2 += d2 * d2;
                q3 += d3 * d3;
            }
            for (; i < end; i++) {
                float d = v[i] - k;
                s0 += d;
                q0 += d * d;
            }
            sums[0] += (double) s0 + s1 + s2 + s3;
            sums[1] += (double) q0 + q1 + q2 + q3;
        }

        @Override
        void addGradientSums(int row, double centre, ChannelRows dy, double[] sums) {
            float[] g = ((Floats) dy).v;
            float m = (float) centre;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
            int i = row * width;
            int end = i + width;
            for (; i + 3 < end; i += 4) {
                s0 += g[i];
                s1 += g[i + 1];
                s2 += g[i + 2];
                s3 += g[i + 3];
                p0 += (v[i] - m) * g[i];
                p1 += (v[i + 1] - m) * g[i + 1];
                p2 += (v[i + 2] - m) * g[i + 2];
                p3 += (v[i + 3] - m) * g[i + 3];
            }
            for (; i < end; i++) {
                s0 += g[i];
                p0 += (v[i] - m) * g[i];
            }
            sums[0] += (double) s0 + s1 + s2 + s3;
            sums[1] += (double) p0 + p1 + p2 + p3;
        }

        @Override
        void scaleShift(int row, double scale, double shift, ChannelRows out) {
            float[] o = ((Floats) out).v;
            float s = (float) scale, t = (float) shift;
            for (int i = row * width, end = i + width; i < end; i++) {
                o[i] = v[i] * s + t;
            }
        }

        @Override
        void combine(int row, ChannelRows dy, double a, double b, double c, ChannelRows out) {
            float[] g = ((Floats) dy).v;
            float[] o = ((Floats) out).v;
            float fa = (float) a, fb = (float) b, fc = (float) c;
            for (int i = row * width, end = i + width; i < end; i++) {
                o[i] = fa * g[i] + fb * v[i] + fc;
            }
        }
    }

    static final class Doubles extends ChannelRows {
        private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[SLOTS][0]);
        private final double[] v;

        private Doubles(double[] v, int rows, int width) {
            super(rows, width);
            this.v = v;
        }

        static Doubles scratch(int slot, int rows, int width) {
            double[][] slots = SCRATCH.get();
            int length = Math.multiplyExact(rows, width);
            if (slots[slot].length < length) {
                slots[slot] = new double[length];
            }
            return new Doubles(slots[slot], rows, width);
        }

        @Override
        void load(INDArray x) {
            new DoublePointer(x.data().addressPointer()).get(v, 0, rows * width);
        }

        @Override
        void store(INDArray target) {
            new DoublePointer(target.data().addressPointer()).put(v, 0, rows * width);
        }

        @Override
        double first(int row) {
            return v[row * width];
        }

        @Override
        void addShiftedMoments(int row, double shift, double[] sums) {
            double s = 0, q = 0;
            for (int i = row * width, end = i + width; i < end; i++) {
                double d = v[i] - shift;
                s += d;
                q += d * d;
            }
            sums[0] += s;
            sums[1] += q;
        }

        @Override
        void addGradientSums(int row, double centre, ChannelRows dy, double[] sums) {
            double[] g = ((Doubles) dy).v;
            double s = 0, p = 0;
            for (int i = row * width, end = i + width; i < end; i++) {
                s += g[i];
                p += (v[i] - centre) * g[i];
            }
            sums[0] += s;
            sums[1] += p;
        }

        @Override
        void scaleShift(int row, double scale, double shift, ChannelRows out) {
            double[] o = ((Doubles) out).v;
            for (int i = row * width, end = i + width; i < end; i++) {
                o[i] = v[i] * scale + shift;
            }
        }

        @Override
        void combine(int row, ChannelRows dy, double a, double b, double c, ChannelRows out) {
            double[] g = ((Doubles) dy).v;
            double[] o = ((Doubles) out).v;
            for (int i = row * width, end = i + width; i < end; i++) {
                o[i] = a * g[i] + b * v[i] + c;
            }
        }
    }
}
