package io.lopt.optim;

import java.util.List;

/** The check μP learned optimizers (μLO, μVeLO) make at their first step that the model they train is a μP model. */
public final class MuPCheck {
    private static final System.Logger LOG = System.getLogger(MuPCheck.class.getName());

    private MuPCheck() {
    }

    /**
     * A μP model's readout starts at zero (docs/spec.md §1); a non-zero readout at the first step means an ordinary
     * (SP) model, on which a μP learned optimizer blows up. Logs a warning and returns it, or returns null.
     *
     * @param optimizer the optimizer's name for the message (μLO, μVeLO)
     */
    public static String warnIfNotMuP(List<Parameter> params, String optimizer) {
        for (Parameter p : params) {
            if (p.spec().role() == Role.OUTPUT) {
                for (float v : p.values()) {
                    if (v != 0f) {
                        String w = optimizer + " expects a μP model: readout '" + p.name() + "' is not zero at the "
                                + "first step. Initialise the readout to 0, multiply its output by 1/width and draw "
                                + "biases from N(0, 1) (docs/spec.md §1), or use an SP optimizer for an ordinary model";
                        LOG.log(System.Logger.Level.WARNING, w);
                        return w;
                    }
                }
            }
        }
        return null;
    }
}
