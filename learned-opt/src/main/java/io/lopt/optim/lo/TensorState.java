package io.lopt.optim.lo;

import io.lopt.optim.ParamSpec;

/**
 * The learned optimizer's per-tensor accumulators (docs/spec.md §2), all zero at start: three momenta, the second moment, and
 * three Adafactor accumulators — factored ({@code vRow}, {@code vCol}) for matrices, full ({@code vFull}) for
 * vectors and scalars. State: 4 floats per matrix element plus 3·(rows + cols).
 */
public final class TensorState {
    final ParamSpec spec;
    final int rows;
    final int cols;
    /** For rank 2: the axis reduced by "vRow" (d0, the larger dimension; 1 for a square matrix). */
    final int d0;
    final float[][] m = new float[3][];
    final float[] v;
    /** Rank 2: vRow[k] is indexed by the d1 axis, vCol[k] by the d0 axis. */
    final float[][] vRow;
    final float[][] vCol;
    /** Rank ≤ 1: full Adafactor accumulators. */
    final float[][] vFull;

    TensorState(ParamSpec spec) {
        this.spec = spec;
        int n = spec.size();
        if (spec.rank() > 2) {
            throw new IllegalArgumentException("small_fc_lopt supports tensors of rank 0, 1 and 2; '" + spec.name()
                    + "' has shape " + spec.shapeString() + " (reshape it to a matrix)");
        }
        for (int k = 0; k < 3; k++) {
            m[k] = new float[n];
        }
        v = new float[n];
        if (spec.rank() == 2) {
            rows = spec.dim(0);
            cols = spec.dim(1);
            d0 = rows > cols ? 0 : 1; // stable ascending argsort: the last index is the largest; ties keep order
            int lenRow = d0 == 0 ? cols : rows; // vRow: mean over d0, indexed by d1
            int lenCol = d0 == 0 ? rows : cols; // vCol: mean over d1, indexed by d0
            vRow = new float[3][lenRow];
            vCol = new float[3][lenCol];
            vFull = null;
        } else {
            rows = 1;
            cols = n;
            d0 = -1;
            vRow = null;
            vCol = null;
            vFull = new float[3][n];
        }
    }

    boolean factored() {
        return vRow != null;
    }

    /** Names and arrays of every accumulator, for export. */
    java.util.Map<String, float[]> arrays() {
        java.util.Map<String, float[]> out = new java.util.LinkedHashMap<>();
        String n = spec.name();
        for (int k = 0; k < 3; k++) {
            out.put("m" + (k + 1) + "/" + n, m[k]);
        }
        out.put("v/" + n, v);
        for (int k = 0; k < 3; k++) {
            if (factored()) {
                out.put("vrow" + (k + 1) + "/" + n, vRow[k]);
                out.put("vcol" + (k + 1) + "/" + n, vCol[k]);
            } else {
                out.put("vfull" + (k + 1) + "/" + n, vFull[k]);
            }
        }
        return out;
    }

    /** Copies every accumulator from the named tensors of an exported state. */
    void restore(io.lopt.optim.OptimizerState s) {
        String n = spec.name();
        for (int k = 0; k < 3; k++) {
            copy(s.tensor("m" + (k + 1) + "/" + n, m[k].length), m[k]);
        }
        copy(s.tensor("v/" + n, v.length), v);
        for (int k = 0; k < 3; k++) {
            if (factored()) {
                copy(s.tensor("vrow" + (k + 1) + "/" + n, vRow[k].length), vRow[k]);
                copy(s.tensor("vcol" + (k + 1) + "/" + n, vCol[k].length), vCol[k]);
            } else {
                copy(s.tensor("vfull" + (k + 1) + "/" + n, vFull[k].length), vFull[k]);
            }
        }
    }

    private static void copy(float[] from, float[] to) {
        System.arraycopy(from, 0, to, 0, to.length);
    }
}
