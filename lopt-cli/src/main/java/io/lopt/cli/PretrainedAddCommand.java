package io.lopt.cli;

import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.evaluation.report.HeadlineResults;
import io.lopt.pretrained.CheckpointSource;
import io.lopt.pretrained.Pretrained;
import io.lopt.pretrained.PretrainedEntry;
import io.lopt.pretrained.PretrainedFolder;
import io.lopt.pretrained.PretrainedIndex;
import io.lopt.pretrained.PretrainedOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lopt pretrained add NAME FILE}: copies a learned-optimizer checkpoint into the pretrained module's resources
 * and writes its index entry (SHA-256s, kind and configuration, provenance read from the checkpoint and its run
 * directory, headline results). The next build ships it as {@code pretrained:NAME}.
 */
@Command(name = "add", mixinStandardHelpOptions = true,
        description = {"Add (or with --replace, replace) a pretrained learned optimizer in the pretrained module's "
                + "resources: copy FILE there as NAME.safetensors and write its index entry.",
            "The next build (./lopt rebuilds itself) ships it as pretrained:NAME."})
public final class PretrainedAddCommand implements Callable<Integer> {
    /** The launcher sets this to the root of the checkout it runs from. */
    static final String HOME_PROPERTY = "lopt.home";

    @Parameters(index = "0", paramLabel = "NAME", description = "The name (e.g. mulo): --lo pretrained:NAME.")
    String name;

    @Parameters(index = "1", paramLabel = "FILE", description = "The learned-optimizer checkpoint, e.g. "
            + "runs/x/lo.safetensors (or pretrained:OTHER, to register a shipped one under another name).")
    String file;

    @Option(names = "--description", paramLabel = "TEXT",
            description = "What it is and what it is for (required for a new name; --replace keeps the old one).")
    String description;

    @Option(names = "--suite-results", paramLabel = "DIR",
            description = "An evaluation directory (./lopt evaluate --out DIR) that evaluated FILE: its numbers for FILE "
                    + "become result lines (repeatable).")
    List<Path> suiteResults = new ArrayList<>();

    @Option(names = "--result", paramLabel = "TEXT", description = "A free-form result line, e.g. a table row (repeatable).")
    List<String> results = new ArrayList<>();

    @Option(names = "--command", paramLabel = "CMD", description = "How to regenerate it (default: derived from the "
            + "checkpoint's preset; required when its configuration is not a preset).")
    String command;

    @Option(names = "--machine", paramLabel = "TEXT",
            description = "Where it was meta-trained (default: this machine's CPU, cores, OS and Java).")
    String machine;

    @Option(names = "--wall-time", paramLabel = "SECONDS", description = "Meta-training time (default: the sum of the "
            + "outer steps' times in the metrics.jsonl next to FILE, when there is one).")
    Double wallTime;

    @Option(names = "--dir", paramLabel = "DIR", description = "The pretrained resources folder (default: "
            + "pretrained/src/main/resources/io/lopt/pretrained of the checkout ./lopt runs from).")
    Path dir;

    @Option(names = "--replace", description = "Replace the entry NAME if there is one.")
    boolean replace;

    @Override
    public Integer call() {
        Path folder = dir != null ? dir : home().resolve(PretrainedFolder.IN_CHECKOUT);
        if (!Files.isDirectory(folder)) {
            throw new Lopt.UserError(folder + " does not exist: run ./lopt from a lopt source checkout, or pass --dir");
        }
        if ("add".equals(name)) {
            throw new Lopt.UserError("'add' cannot be a pretrained name (it is the subcommand)");
        }
        CheckpointSource src = CheckpointSource.resolve(file);
        byte[] bytes = src.bytes();
        LearnedOptimizerCheckpoint c = src.learnedOptimizer();
        PretrainedIndex index = PretrainedFolder.read(folder);
        PretrainedEntry old = index.contains(name) ? index.get(name) : null;
        String desc = description != null ? description : old != null && replace ? old.description() : null;
        if (desc == null || desc.isBlank()) {
            throw new Lopt.UserError("--description is required for a new pretrained learned optimizer");
        }
        String cmd = command != null ? command : MetaTrainingOrigin.regenerateCommand(name, c);
        if (cmd == null) {
            throw new Lopt.UserError(file + " was not meta-trained with a preset (" + MetaTrainingOrigin.preset(
                    c.provenance()) + "); pass --command to say how to regenerate it");
        }
        List<String> lines = new ArrayList<>();
        for (Path d : suiteResults) {
            lines.addAll(HeadlineResults.of(d, c.sha256()));
        }
        lines.addAll(results);
        // results belong to a checkpoint: keep the old ones only when the checkpoint is the same one
        boolean sameCheckpoint = old != null && old.checkpointSha256().equals(c.sha256());
        boolean kept = lines.isEmpty() && sameCheckpoint && replace && !old.results().isEmpty();
        if (kept) {
            lines.addAll(old.results());
        }
        Double wall = wallTime != null ? wallTime : src.pretrained() ? null
                : MetaTrainingOrigin.wallTimeSeconds(Path.of(file), c.provenance().outerStep());
        PretrainedOrigin origin = new PretrainedOrigin(MetaTrainingOrigin.preset(c.provenance()),
                c.provenance().outerStep(), wall, machine != null ? machine : Machine.describe(), cmd,
                c.provenance().created(), c.provenance().projectVersion(), c.provenance().source());
        PretrainedEntry entry;
        try {
            entry = PretrainedEntry.of(name, name + ".safetensors", bytes, desc, origin, lines);
        } catch (IllegalArgumentException e) {
            throw new Lopt.UserError(e.getMessage(), e);
        }
        PretrainedFolder.add(folder, entry, bytes, replace);
        System.out.println((old != null ? "replaced " : "added ") + Pretrained.PREFIX + name + ": " + entry.summary() + " -> "
                + folder.resolve(entry.file()));
        System.out.println("  SHA-256 " + entry.sha256() + ", " + PretrainedCommand.madeBy(origin));
        System.out.println("  regenerate: " + cmd);
        System.out.println("  " + lines.size() + " result line(s)" + (kept ? " (kept from the replaced entry)"
                : old != null && !sameCheckpoint && !old.results().isEmpty() && lines.isEmpty()
                ? " (the replaced entry's results were for another checkpoint: dropped; add --suite-results)" : ""));
        System.out.println("the next build ships it (./lopt rebuilds itself on its next use); check it with "
                + "./mvnw -B -q test -pl pretrained -am");
        return 0;
    }

    /** The checkout ./lopt runs from (the launcher says), else the working directory. */
    static Path home() {
        String h = System.getProperty(HOME_PROPERTY);
        return Path.of(h == null || h.isBlank() ? "." : h);
    }
}
