package io.lopt.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.optim.transform.ScaleByWarmupCosine;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    /** The paper's 1000-step AdamW schedule file: peak 0.3, end 0.03, warmup 10 (here decaying until step 1000). */
    static final Schedule PAPER = Schedule.warmupCosine(0.3, 10, 1000, 0.1);

    @Test
    void warmupIsLinearFromZero() {
        assertEquals(0.0, PAPER.at(0), 0, "optax's linear_schedule starts at init_value = 0");
        assertEquals(0.03, PAPER.at(1), 1e-15);
        assertEquals(0.15, PAPER.at(5), 1e-15);
        assertEquals(0.27, PAPER.at(9), 1e-15);
        assertEquals(0.3, PAPER.at(10), 1e-15, "the peak at the end of the warmup");
    }

    @Test
    void cosineDecaysToTheFinalFractionAtTheHorizonAndStaysThere() {
        // a third of the way down the cosine (k = 330 of 990): ½(1 + cos(π/3)) = 0.75 → 0.3 · (0.9 · 0.75 + 0.1)
        assertEquals(0.2325, PAPER.at(10 + 330), 1e-12);
        // half-way (k = 495): ½(1 + cos(π/2)) = 0.5 → 0.3 · (0.9 · 0.5 + 0.1) = 0.165
        assertEquals(0.165, PAPER.at(10 + 495), 1e-12);
        // two thirds: ½(1 + cos(2π/3)) = 0.25 → 0.3 · 0.325
        assertEquals(0.0975, PAPER.at(10 + 660), 1e-12);
        assertEquals(0.03, PAPER.at(1000), 1e-15, "10% of the peak at the horizon");
        assertEquals(0.03, PAPER.at(999), 1e-6);
        assertTrue(PAPER.at(999) > 0.03, "still decaying one step before the horizon");
        assertEquals(0.03, PAPER.at(25_000), 1e-15);
    }

    @Test
    void withoutWarmupTheCosineStartsAtThePeak() {
        Schedule s = Schedule.warmupCosine(2.0, 0, 4, 0.0);
        assertEquals(2.0, s.at(0), 0);
        assertEquals(1.0, s.at(2), 1e-15);
        assertEquals(0.0, s.at(4), 1e-15);
        assertEquals(0.5, Schedule.constant(0.5).at(123_456), 0);
    }

    @Test
    void theEvaluationRecipeFitsTheScheduleToTheHorizon() {
        ScaleByWarmupCosine paper = ScaleByWarmupCosine.paper();
        assertEquals(Schedule.warmupCosine(1.0, 10, 1000, 0.1), paper.create(1000).schedule());
        assertEquals(Schedule.warmupCosine(1.0, 250, 25_000, 0.1), paper.create(25_000).schedule());
        assertEquals(Schedule.warmupCosine(1.0, 3, 300, 0.1), paper.create(300).schedule());
        assertEquals(Schedule.warmupCosine(1.0, 0, 30, 0.1), paper.create(30).schedule(), "1% of 30 rounds to 0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> paper.create(0));
        assertTrue(e.getMessage().contains("horizon"), e.getMessage());
    }

    @Test
    void badSchedulesAreRefusedWithOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schedule.warmupCosine(1, 10, 10, 0.1));
        assertTrue(e.getMessage().contains("must exceed its warmup steps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedule.warmupCosine(1, 1, 10, 1.5));
        assertTrue(e.getMessage().contains("final fraction"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedule.warmupCosine(Double.NaN, 1, 10, 0.1));
        assertThrows(IllegalArgumentException.class, () -> Schedule.constant(-1));
        assertThrows(IllegalArgumentException.class, () -> new ScaleByWarmupCosine(1, 0.7, 0.1));
    }
}
