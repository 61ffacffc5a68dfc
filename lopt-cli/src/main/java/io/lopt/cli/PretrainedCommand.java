package io.lopt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.metatrain.config.Presets;
import io.lopt.pretrained.Pretrained;
import io.lopt.pretrained.PretrainedEntry;
import io.lopt.pretrained.PretrainedOrigin;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lopt pretrained [NAME]}: the learned optimizers shipped with lopt, with provenance and headline results. */
@Command(name = "pretrained", mixinStandardHelpOptions = true,
        description = "List the meta-trained learned optimizers shipped with lopt (use them as --lo pretrained:NAME), "
                + "or show one in full.",
        subcommands = {PretrainedAddCommand.class})
public final class PretrainedCommand implements Callable<Integer> {
    /** How many result lines the list shows per optimizer. */
    static final int LIST_RESULTS = 3;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Show this one in full.")
    String name;

    @Override
    public Integer call() throws Exception {
        if (name != null) {
            show(Pretrained.info(name));
            return 0;
        }
        List<PretrainedEntry> all = Pretrained.index().entries();
        if (all.isEmpty()) {
            System.out.println("no pretrained learned optimizers are shipped with this build");
            return 0;
        }
        System.out.println("Pretrained learned optimizers (train/evaluate with --lo pretrained:NAME; Java: "
                + "Pretrained.factory(\"NAME\")):");
        for (PretrainedEntry e : all) {
            System.out.println();
            System.out.printf("%-8s %s%n", e.name(), e.summary());
            System.out.println("  " + e.description());
            System.out.println("  " + madeBy(e.origin()));
            List<String> rs = e.results();
            for (int i = 0; i < Math.min(LIST_RESULTS, rs.size()); i++) {
                System.out.println("  | " + rs.get(i));
            }
            if (rs.size() > LIST_RESULTS) {
                System.out.println("  | … " + (rs.size() - LIST_RESULTS) + " more: ./lopt pretrained " + e.name());
            } else if (rs.isEmpty()) {
                System.out.println("  (no evaluation results recorded)");
            }
        }
        return 0;
    }

    static String madeBy(PretrainedOrigin o) {
        return "meta-trained: " + (Presets.NAMES.contains(o.preset()) ? "preset " : "configuration ") + o.preset() + ", "
                + o.outerSteps() + " outer steps, " + o.wallTime() + " on " + o.machine();
    }

    private static void show(PretrainedEntry e) throws Exception {
        LearnedOptimizerCheckpoint c = Pretrained.checkpoint(e.name()); // checks the file against the index
        ObjectMapper json = new ObjectMapper();
        PretrainedOrigin o = e.origin();
        System.out.println("name:         " + e.name() + "   (--lo " + Pretrained.PREFIX + e.name() + ")");
        System.out.println("optimizer:    " + e.summary());
        System.out.println("description:  " + e.description());
        System.out.println("kind:         " + e.kind() + " " + e.config());
        System.out.println("θ:            " + c.theta().length + " meta-parameters");
        System.out.println("file:         " + e.file() + " (" + Pretrained.bytes(e.name()).length + " bytes), SHA-256 "
                + e.sha256());
        System.out.println("checkpoint:   content SHA-256 " + e.checkpointSha256() + " (what evaluations record)");
        System.out.println(madeBy(o));
        System.out.println("created:      " + o.created() + " by lopt " + o.loptVersion() + " (" + o.source() + ")");
        System.out.println("regenerate:   " + o.command());
        System.out.println("results:");
        if (e.results().isEmpty()) {
            System.out.println("  (none recorded)");
        }
        e.results().forEach(r -> System.out.println("  " + r));
        System.out.println("meta-training configuration (from the checkpoint's provenance):");
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(c.provenance().metaTraining())
                .indent(2).stripTrailing());
    }
}
