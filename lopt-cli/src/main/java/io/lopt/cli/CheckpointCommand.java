package io.lopt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.PyloFolder;
import io.lopt.checkpoints.Safetensors;
import io.lopt.checkpoints.StateCheckpoint;
import io.lopt.checkpoints.Tensor;
import io.lopt.pretrained.CheckpointSource;
import io.lopt.pretrained.Pretrained;
import io.lopt.pretrained.PretrainedEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lopt checkpoint ...}: inspect checkpoints and convert to and from pylo folders. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        description = "Inspect learned-optimizer and state checkpoints; import and export pylo / μLO hub folders.",
        subcommands = {CheckpointCommand.Inspect.class, CheckpointCommand.ImportPylo.class,
            CheckpointCommand.ExportPylo.class})
public final class CheckpointCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Print kind, configuration, provenance, tensor sizes and checksum status; exit 1 if damaged.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "CHECKPOINT",
                description = "A learned-optimizer or meta-training state checkpoint file, or pretrained:NAME.")
        String file;

        @Override
        public Integer call() throws Exception {
            ObjectMapper json = new ObjectMapper();
            CheckpointSource src;
            Safetensors.Contents raw;
            try {
                src = CheckpointSource.resolve(file);
                raw = src.contents();
            } catch (CheckpointException e) {
                System.out.println("file:      " + file);
                System.out.println("status:    DAMAGED (" + e.kind() + "): " + e.getMessage());
                return 1;
            }
            String format = raw.metadata().getOrDefault("format", "(none)");
            System.out.println("file:      " + file + " (" + src.size() + " bytes)");
            if (src.pretrained()) {
                PretrainedEntry p = Pretrained.info(file.substring(Pretrained.PREFIX.length()));
                System.out.println("pretrained: " + p.description() + " (./lopt pretrained " + p.name() + ")");
            }
            System.out.println("format:    " + format + " version " + raw.metadata().getOrDefault("format_version", "?"));
            try {
                if (LearnedOptimizerCheckpoint.FORMAT.equals(format)) {
                    LearnedOptimizerCheckpoint c = src.learnedOptimizer();
                    System.out.println("kind:      learned optimizer " + c.optimizer());
                    System.out.println("config:    " + c.config());
                    System.out.println("θ:         " + c.theta().length + " meta-parameters");
                    System.out.println("provenance:");
                    System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(
                            json.valueToTree(c.provenance())).indent(2).stripTrailing());
                } else if (StateCheckpoint.FORMAT.equals(format)) {
                    StateCheckpoint s = src.state();
                    System.out.println("kind:      meta-training state after outer step " + s.step());
                } else {
                    System.out.println("kind:      not a lopt checkpoint (a plain safetensors file)");
                }
            } catch (CheckpointException e) {
                System.out.println("status:    DAMAGED (" + e.kind() + "): " + e.getMessage());
                return 1;
            }
            long total = 0;
            System.out.println("tensors:   " + raw.tensors().size());
            for (Tensor t : raw.tensors()) {
                total += t.data().length;
                if (raw.tensors().size() <= 40) {
                    System.out.printf("  %-40s %s%s%n", t.name(), t.dtype(), Arrays.toString(t.shape()));
                }
            }
            System.out.println("data:      " + total + " bytes");
            String sha = raw.metadata().get("sha256");
            System.out.println("checksum:  OK" + (sha == null ? " (none recorded)" : " (SHA-256 " + sha + ")"));
            return 0;
        }
    }

    @Command(name = "import-pylo", mixinStandardHelpOptions = true,
            description = "Import a pylo / μLO hub folder (config.json + model.safetensors) as a lopt checkpoint.")
    static final class ImportPylo implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "The pylo folder.")
        Path dir;

        @Parameters(index = "1", paramLabel = "OUT", description = "The checkpoint file to write.")
        Path out;

        @Option(names = "--sp", description = "Import as the SP learned optimizer (λ1 = 0.001, no s_W) instead of μLO.")
        boolean sp;

        @Option(names = "--force", description = "Replace OUT if it exists.")
        boolean force;

        @Override
        public Integer call() {
            if (Files.exists(out) && !force) {
                throw new Lopt.UserError(out + " exists (use --force to replace it)");
            }
            LearnedOptimizerCheckpoint c = PyloFolder.importFolder(dir, !sp);
            c.write(out);
            System.out.println("imported " + dir + " as " + (sp ? "the SP learned optimizer" : "μLO") + " -> " + out);
            System.out.println(c.provenance().source());
            return 0;
        }
    }

    @Command(name = "export-pylo", mixinStandardHelpOptions = true,
            description = "Export a small_fc_lopt checkpoint as a pylo folder that PyTorch users can load.")
    static final class ExportPylo implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "The lopt checkpoint: a file, or pretrained:NAME.")
        String file;

        @Parameters(index = "1", paramLabel = "DIR", description = "The folder to write.")
        Path dir;

        @Option(names = "--force", description = "Replace config.json / model.safetensors in DIR.")
        boolean force;

        @Override
        public Integer call() {
            LearnedOptimizerCheckpoint c = CheckpointSource.resolve(file).learnedOptimizer();
            boolean custom = PyloFolder.exportFolder(c, dir, force);
            System.out.println("exported " + file + " -> " + dir + " (config.json, model.safetensors)");
            if (custom) {
                float[] t = c.theta();
                int n = t.length;
                System.out.printf("note: its decay offsets differ from pylo's defaults; pass them to pylo's optimizer:%n"
                        + "  momentum_decays=[%s, %s, %s], rms_decays=[%s], adafactor_decays=[%s, %s, %s]%n",
                        t[n - 7], t[n - 6], t[n - 5], t[n - 4], t[n - 3], t[n - 2], t[n - 1]);
            }
            return 0;
        }
    }
}
