package io.lopt.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with rate and ETA on standard error. On a terminal it redraws in place; otherwise (logs,
 * CI) it prints a line at every tenth of the work, so output stays readable.
 */
public final class ProgressBar implements AutoCloseable {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;
    private long done;
    private String status = "";

    public ProgressBar(String label, long total) {
        this(System.err, label, total, System.console() != null && System.getenv("LOPT_NO_PROGRESS") == null);
    }

    public ProgressBar(PrintStream out, String label, long total, boolean interactive) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.interactive = interactive;
    }

    /** Sets the progress to {@code done} units with a short status (e.g. the current loss). */
    public synchronized void update(long doneUnits, String statusText) {
        this.done = doneUnits;
        this.status = statusText == null ? "" : statusText;
        long now = System.nanoTime();
        if (interactive) {
            if (now - lastDraw > 100_000_000L || done >= total) {
                lastDraw = now;
                out.print("\r" + render(now) + "\u001b[K");
                out.flush();
            }
        } else {
            int decile = (int) (10 * done / total);
            if (decile > lastDecile) {
                lastDecile = decile;
                out.println(render(now));
            }
        }
    }

    String render(long now) {
        double elapsed = (now - start) / 1e9;
        double frac = Math.min(1.0, (double) done / total);
        int width = 24;
        int filled = (int) Math.round(frac * width);
        StringBuilder bar = new StringBuilder();
        bar.append(label).append(" [");
        for (int i = 0; i < width; i++) {
            bar.append(i < filled ? '#' : '.');
        }
        bar.append("] ").append(done).append('/').append(total);
        bar.append(String.format(Locale.ROOT, " %3.0f%%", 100 * frac));
        double rate = done / Math.max(1e-9, elapsed);
        bar.append(String.format(Locale.ROOT, " %.1f/s", rate));
        if (done > 0 && done < total) {
            bar.append(" ETA ").append(formatSeconds((total - done) / rate));
        } else {
            bar.append(" in ").append(formatSeconds(elapsed));
        }
        if (!status.isEmpty()) {
            bar.append("  ").append(status);
        }
        return bar.toString();
    }

    static String formatSeconds(double s) {
        if (!Double.isFinite(s)) {
            return "?";
        }
        long sec = Math.round(s);
        if (sec < 60) {
            return sec + "s";
        }
        if (sec < 3600) {
            return (sec / 60) + "m" + String.format(Locale.ROOT, "%02d", sec % 60) + "s";
        }
        return (sec / 3600) + "h" + String.format(Locale.ROOT, "%02d", (sec % 3600) / 60) + "m";
    }

    @Override
    public synchronized void close() {
        if (interactive) {
            out.print("\r" + render(System.nanoTime()) + "\u001b[K\n");
            out.flush();
        } else if (lastDecile < 10) {
            out.println(render(System.nanoTime()));
        }
    }
}
