package io.lopt.optimizees.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.optimizees.models.Parametrization;
import io.lopt.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskSpecTest {
    @Test
    void parsesAndPrintsRoundTrip() {
        TaskSpec s = TaskSpec.parse("dataset=synthetic,res=8,width=64,depth=2,param=sp,batch=32,seed=9");
        assertEquals(TaskSpec.mlp("synthetic", 8, 64, 2, Parametrization.SP, 32, 9), s);
        assertEquals(s, TaskSpec.parse(s.toString()));
        assertEquals(TaskSpec.DEFAULT.withWidth(256), TaskSpec.parse("width=256"));
    }

    @Test
    void invalidSpecsGetErrorsNamingTheProblem() {
        assertMessage("width must be at least 1", () -> TaskSpec.parse("width=0"));
        assertMessage("unknown dataset 'cifar'", () -> TaskSpec.parse("dataset=cifar"));
        assertMessage("unknown task spec key 'widht'", () -> TaskSpec.parse("widht=3"));
        assertMessage("needs an integer", () -> TaskSpec.parse("depth=three"));
        assertMessage("unknown parametrization", () -> TaskSpec.parse("param=ntk"));
        assertMessage("not key=value", () -> TaskSpec.parse("width"));
        assertMessage("resolution must be in", () -> TaskSpec.parse("res=29"));
    }

    @Test
    void batchLargerThanTheDataIsRejectedWhenBuilt() {
        TaskSpec s = TaskSpec.parse("dataset=synthetic,res=4,batch=100000");
        assertMessage("larger than the 8192 training examples", () -> Task.build(s, (java.nio.file.Path) null));
    }

    @Test
    void distributionSamplesFromItsListsReproducibly() {
        TaskDistribution d = TaskDistribution.mlp(List.of("synthetic"), List.of(8), List.of(16, 32, 64), List.of(2, 3),
                Parametrization.MUP, 64);
        TaskSpec a = d.sample(new Rng(3));
        assertEquals(a, d.sample(new Rng(3)));
        for (int i = 0; i < 50; i++) {
            TaskSpec s = d.sample(new Rng(i));
            assertTrue(List.of(16, 32, 64).contains(s.width()));
            assertTrue(List.of(2, 3).contains(s.depth()));
        }
        assertMessage("widths must not be empty", () -> TaskDistribution.mlp(List.of("synthetic"), List.of(8), List.of(),
                List.of(2), Parametrization.MUP, 64));
        assertMessage("width must be at least 1", () -> TaskDistribution.mlp(List.of("synthetic"), List.of(8),
                List.of(0), List.of(2), Parametrization.MUP, 64));
    }

    @Test
    void aFamilyIsFoundByItsServiceFileAndOwnsItsKeys() {
        assertTrue(TaskFamilies.names().containsAll(List.of("mlp", "quadratic")), TaskFamilies.names().toString());
        TaskSpec q = TaskSpec.parse("family=quadratic,dim=5,seed=3");
        assertEquals("quadratic", q.family());
        assertEquals(5, q.intOption("dim"));
        assertEquals("0.1", q.option("noise"), "a missing option takes the family's default");
        assertEquals("family=quadratic,dim=5,noise=0.1,width=1,depth=1,param=sp,batch=1,seed=3", q.toString());
        assertEquals(q, TaskSpec.parse(q.toString()));
        assertEquals("quad5", q.label());
        // the MLP's text form is unchanged (state files and tuning caches written before families keep working)
        assertEquals("dataset=fashion-mnist,res=8,width=64,depth=3,param=mup,batch=128,seed=0",
                TaskSpec.parse("res=8,width=64").toString());
        assertEquals(TaskSpec.parse("res=8"), TaskSpec.parse("family=mlp,res=8"));
        assertMessage("unknown task family 'cnn' (known: mlp, quadratic, transformer, vit)", () -> TaskSpec.parse("family=cnn"));
        assertMessage("unknown task spec key 'res' (known: family, dim, noise, width", () -> TaskSpec.parse(
                "family=quadratic,res=8"));
        assertMessage("quadratic dim must be at least 1", () -> TaskSpec.parse("family=quadratic,dim=0"));
        assertMessage("needs an integer", () -> TaskSpec.parse("family=quadratic,dim=x"));
        // a distribution over another family draws its options
        TaskDistribution d = new TaskDistribution("quadratic", java.util.Map.of("dim", List.of("3", "7")), List.of(1),
                List.of(1), Parametrization.SP, 1);
        java.util.Set<Integer> dims = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
            dims.add(d.sample(new Rng(i)).intOption("dim"));
        }
        assertEquals(java.util.Set.of(3, 7), dims);
        assertEquals(2, d.all().size());
        assertMessage("has no key 'res'", () -> new TaskDistribution("quadratic", java.util.Map.of("res", List.of("8")),
                List.of(1), List.of(1), Parametrization.SP, 1));
        assertEquals(4.0 * 3 * (2 + 4), MemoryEstimate.trainingBytes(TaskSpec.parse("family=quadratic,dim=3"), 4));
    }

    @Test
    void anMlpDistributionDrawsAsBeforeFamilies() {
        // the draw order (dataset, resolution, width, depth, seed) is what makes meta-training reproducible across
        // versions: the same Rng gives the same task
        TaskDistribution d = TaskDistribution.mlp(List.of("synthetic", "fashion-mnist"), List.of(8, 14),
                List.of(16, 32, 64), List.of(2, 3), Parametrization.MUP, 64);
        Rng r = new Rng(5);
        Rng check = new Rng(5);
        TaskSpec s = d.sample(r);
        String ds = List.of("synthetic", "fashion-mnist").get(check.nextInt(2));
        int res = List.of(8, 14).get(check.nextInt(2));
        int w = List.of(16, 32, 64).get(check.nextInt(3));
        int dep = List.of(2, 3).get(check.nextInt(2));
        long seed = check.nextLong() & Long.MAX_VALUE;
        assertEquals(TaskSpec.mlp(ds, res, w, dep, Parametrization.MUP, 64, seed), s);
    }

    static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(fragment), "message '" + ex.getMessage() + "' should contain '" + fragment + "'");
    }
}
