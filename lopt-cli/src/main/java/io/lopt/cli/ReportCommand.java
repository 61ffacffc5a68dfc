package io.lopt.cli;

import io.lopt.evaluation.report.Analysis;
import io.lopt.evaluation.report.Report;
import io.lopt.evaluation.runs.SuiteRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lopt report DIR}: (re)writes the report of an evaluation directory from its runs. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write results.json, report.md and report.html of an evaluation directory from its runs.")
public final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "An evaluation directory (from lopt evaluate).")
    Path dir;

    @Override
    public Integer call() {
        SuiteRunner.Outcome o = SuiteRunner.reload(dir, msg -> System.err.println("lopt: " + msg
                + "; lopt evaluate with the same suite, checkpoints and --out runs it again"));
        if (o.runs().isEmpty()) {
            throw new Lopt.UserError(dir + " has no finished runs yet");
        }
        Report r = new Report(new Analysis(o));
        Path html = r.write(dir);
        r.winners().forEach(l -> System.out.println("  " + l));
        System.out.println("report: " + html + " (" + o.runs().size() + " runs)");
        return 0;
    }
}
