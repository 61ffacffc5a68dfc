package io.lopt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.kernels.Parallel;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optimizees.tasks.MemoryEstimate;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.optimizees.tasks.Training;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lopt train}: trains one task with one optimizer and reports its loss. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one task (an MLP, a transformer language model or a ViT) with one optimizer; write the "
                + "loss curve as JSON lines.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--task", defaultValue = "dataset=fashion-mnist,res=28,width=128,depth=3,param=mup,batch=128,seed=0",
            description = "Task spec: dataset=fashion-mnist|synthetic,res=8|14|28,width=W,depth=D,param=mup|sp,"
                    + "batch=B,seed=S (missing keys take these defaults: ${DEFAULT-VALUE}); another family: "
                    + "family=transformer (keys dataset=fortunes,ctx,heads,vocab) or family=vit (keys dataset,res,patch,"
                    + "heads), missing keys from that family's defaults (docs/transformers.md).")
    String task;

    @Option(names = "--steps", defaultValue = "500", description = "Number of optimizer steps (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--curve", description = "Where to write the loss curve (JSON lines; default: train-<task>-<optimizer>.jsonl).")
    Path curve;

    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Override
    public Integer call() throws IOException {
        TaskSpec spec = TaskSpec.parse(task);
        if (steps > Training.MAX_STEPS) {
            throw new Lopt.UserError("--steps " + steps + " is more than a loss curve can hold (at most "
                    + Training.MAX_STEPS + ")");
        }
        MemoryEstimate.require(MemoryEstimate.trainingBytes(spec, optimizer.stateFloats())
                + MemoryEstimate.curveBytes(steps) + MemoryEstimate.datasetBytes(java.util.List.of(spec)),
                "training " + spec.label() + " for " + steps + " steps", "make it smaller (width, depth, batch, --steps)");
        Task t = Task.build(spec, common.dataDir);
        OptimizerFactory factory = optimizer.factory(spec.param());
        Path out = curve != null ? curve : Path.of("train-" + spec.label() + "-" + optimizer.label() + ".jsonl");
        System.out.printf(Locale.ROOT, "task %s (%,d parameters), optimizer %s, %d steps%n", spec.label(),
                t.parameterCount(), factory.describe(), steps);
        ObjectMapper json = new ObjectMapper();
        Parallel par = common.parallel();
        Training.Result r;
        try (BufferedWriter w = openCurve(out); ProgressBar bar = new ProgressBar("train", steps)) {
            r = Training.run(t, factory, new Training.Options(steps, 0, true), (s, loss) -> {
                ObjectNode line = json.createObjectNode();
                line.put("step", s);
                line.put("loss", loss);
                try {
                    w.write(json.writeValueAsString(line));
                    w.newLine();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the loss curve to " + out + ": " + e.getMessage(), e);
                }
                bar.update(s + 1, String.format(Locale.ROOT, "loss %.4f", loss));
            }, par);
        }
        if (r.diverged()) {
            System.out.printf(Locale.ROOT, "diverged at step %d (non-finite loss); curve in %s%n", r.stepsRun() - 1, out);
            return 3;
        }
        boolean lm = spec.family().equals(io.lopt.optimizees.tasks.TransformerFamily.NAME);
        for (String split : new String[] {"train", "test"}) {
            io.lopt.optimizees.tasks.Evaluation e = split.equals("train") ? r.train() : r.test();
            String extra = lm ? String.format(Locale.ROOT, "  %.3f bits/byte  perplexity %.2f  next-byte accuracy %.2f%%",
                    e.loss() / Math.log(2), Math.exp(e.loss()), 100 * e.accuracy())
                    : String.format(Locale.ROOT, "  accuracy %.2f%%", 100 * e.accuracy());
            System.out.printf(Locale.ROOT, "final %-5s loss %.4f%s%n", split, e.loss(), extra);
        }
        System.out.printf(Locale.ROOT, "%.2f ms/step; loss curve: %s%n", 1e3 * r.secondsPerStep(), out);
        return 0;
    }

    /** Opens the loss-curve file, or says in one line why it cannot be written. */
    static BufferedWriter openCurve(Path out) {
        String why;
        Path parent = out.toAbsolutePath().getParent();
        if (Files.isDirectory(out)) {
            why = "it is a directory (give a file name)";
        } else if (parent != null && !Files.isDirectory(parent)) {
            why = "directory " + parent + " does not exist";
        } else {
            try {
                return Files.newBufferedWriter(out);
            } catch (IOException e) {
                why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
            }
        }
        throw new Lopt.UserError("cannot write the loss curve to " + out + ": " + why);
    }
}
