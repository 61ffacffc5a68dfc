package io.lopt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lopt} command line: one tool, one subcommand per job. */
@Command(name = "lopt", mixinStandardHelpOptions = true, versionProvider = Lopt.Version.class,
        description = "Meta-train learned optimizers (μLO), use them, and evaluate how they generalise.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, MetaTrainCommand.class, EvaluateCommand.class,
            ReportCommand.class, CheckpointCommand.class, PretrainedCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class Lopt implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Lopt());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, cmd.getErr()));
        return cl.execute(args);
    }

    /** Exit code of a command that failed on bad input: a file, an option, a configuration, missing data. */
    public static final int USER_ERROR = 2;
    /** Exit code of a command that failed on a bug or an unexpected condition inside lopt. */
    public static final int INTERNAL_ERROR = 3;

    /**
     * Reports a failed command: bad input (a wrong option or file, a damaged checkpoint, missing data) as one line
     * and exit code {@value #USER_ERROR}; anything else is a fault of lopt's, reported with its stack trace and exit
     * code {@value #INTERNAL_ERROR}.
     */
    static int handle(Exception ex, java.io.PrintWriter err) {
        if (ex instanceof IllegalArgumentException || ex instanceof io.lopt.optimizees.datasets.DatasetException
                || ex instanceof UserError || ex instanceof java.io.UncheckedIOException
                || ex instanceof io.lopt.checkpoints.CheckpointException) {
            err.println("lopt: " + oneLine(ex.getMessage()));
            return USER_ERROR;
        }
        err.println("lopt: internal error (" + ex.getClass().getName() + "): " + oneLine(ex.getMessage())
                + ". This is a bug in lopt; please report it with the stack trace below.");
        ex.printStackTrace(err);
        err.flush();
        return INTERNAL_ERROR;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * A message on one line: line breaks and other control characters (say, in a key or a task string the message
     * quotes) are shown as escapes: {@code \n}, {@code \r}, {@code \t}, others as a Java unicode escape.
     */
    static String oneLine(String message) {
        if (message == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(message.length());
        for (char c : message.toCharArray()) {
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return sb.toString();
    }

    /** An error in what the user asked for; printed as one line without a stack trace. */
    public static final class UserError extends RuntimeException {
        public UserError(String message) {
            super(message);
        }

        public UserError(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lopt " + version()};
        }
    }

    /** The project version from the jar manifest; run from classes (tests, an IDE), the version of this source tree. */
    public static String version() {
        String v = Lopt.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}
