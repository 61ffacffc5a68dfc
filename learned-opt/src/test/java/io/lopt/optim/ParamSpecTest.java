package io.lopt.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ParamSpecTest {
    @Test
    void muPScalesHiddenMatricesByTheMultiplierOverFanIn() {
        assertEquals(1f / 512, ParamSpec.mup("h", new int[] {512, 512}, Role.HIDDEN, 512).updateScale());
        assertEquals(2f / 512, ParamSpec.mup("h", new int[] {512, 512}, Role.HIDDEN, 512, 2.0).updateScale());
        assertEquals(1f, ParamSpec.mup("in", new int[] {784, 512}, Role.INPUT, 784).updateScale());
        assertEquals(1f, ParamSpec.mup("out", new int[] {512, 10}, Role.OUTPUT, 512).updateScale());
        assertEquals(1f, ParamSpec.mup("b", new int[] {512}, Role.BIAS, 1).updateScale());
    }

    @Test
    void passingSWInsteadOfTheMultiplierIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParamSpec.mup("fc2.w", new int[] {64, 64}, Role.HIDDEN, 64, 1.0 / 64));
        assertTrue(e.getMessage().contains("1/fan_in²") && e.getMessage().contains("pass 1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ParamSpec.mup("h", new int[] {8, 8}, Role.HIDDEN, 8, Double.NaN));
        // the multiplier is not checked against fan_in for roles it does not apply to
        assertEquals(1f, ParamSpec.mup("in", new int[] {64, 8}, Role.INPUT, 64, 1.0 / 64).updateScale());
    }
}
