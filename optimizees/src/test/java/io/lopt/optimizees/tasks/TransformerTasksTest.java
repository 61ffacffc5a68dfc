package io.lopt.optimizees.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Adam;
import io.lopt.optimizees.datasets.DatasetException;
import io.lopt.optimizees.datasets.TextCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransformerTasksTest {
    @TempDir
    Path tmp;

    /** Two fortune files of numbered entries (entry i says "entry i ..."), a .dat index and a link to ignore. */
    Path corpus() throws IOException {
        Path dir = tmp.resolve("fortunes");
        Files.createDirectories(dir);
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            String e = "entry " + i + ": the quick brown fox jumps over the lazy dog, again and again.\n";
            (i < 200 ? a : b).append(e).append("%\n");
        }
        Files.writeString(dir.resolve("aaa"), a);
        Files.writeString(dir.resolve("bbb"), b);
        Files.writeString(dir.resolve("aaa.dat"), "binary index, not text: must be skipped zzzzzzzzzzzzzzzzzz");
        Files.createSymbolicLink(dir.resolve("aaa.u8"), dir.resolve("aaa"));
        return dir;
    }

    static String text(TextCorpus c, short[] ids) {
        StringBuilder s = new StringBuilder();
        for (short id : ids) {
            int b = c.symbol(id);
            s.append(b < 0 ? '?' : (char) b);
        }
        return s.toString();
    }

    @Test
    void theCorpusHoldsEveryTenthEntryOutInFileOrderAndRanksBytesByFrequency() throws IOException {
        Path dir = corpus();
        TextCorpus c = TextCorpus.load(dir, 256); // every byte its own id
        String test = text(c, c.test());
        String train = text(c, c.train());
        assertTrue(test.startsWith("entry 9: the quick"), test.substring(0, 20));
        assertTrue(train.startsWith("entry 0: the quick"), train.substring(0, 20));
        assertTrue(!train.contains("zzz") && !test.contains("zzz"), ".dat files are skipped");
        List<String> heldOut = new ArrayList<>();
        for (int i = 9; i < 400; i += 10) {
            heldOut.add(i + ":");
        }
        for (String h : heldOut) {
            assertTrue(test.contains(" " + h), h + " is in the test split");
            assertTrue(!train.contains(" " + h + " "), h + " is not in the training split");
        }
        TextCorpus small = TextCorpus.load(dir, 20);
        assertEquals(' ', (char) small.symbol(0), "the space is the most frequent byte");
        assertEquals(-1, small.symbol(19), "the last id stands for every other byte");
        long[] count = new long[256];
        for (char ch : train.toCharArray()) {
            count[ch]++;
        }
        for (int id = 0; id < 19; id++) { // ids by decreasing count, ties by byte value
            int bt = small.symbol(id);
            for (int other = 0; other < 256; other++) {
                boolean before = count[other] > count[bt] || count[other] == count[bt] && other < bt;
                if (before) {
                    boolean kept = false;
                    for (int j = 0; j < id; j++) {
                        kept |= small.symbol(j) == other;
                    }
                    assertTrue(kept, "byte " + other + " should rank before " + bt);
                }
            }
        }
        // 400 entries, not 600: the .u8 link is not read a second time
        assertEquals(400, (int) (train.chars().filter(ch -> ch == ':').count() + test.chars().filter(ch -> ch == ':')
                .count()));
        DatasetException missing = org.junit.jupiter.api.Assertions.assertThrows(DatasetException.class,
                () -> TextCorpus.load(tmp.resolve("nowhere"), 20));
        assertTrue(missing.getMessage().contains("apt-get install fortunes"), missing.getMessage());
    }

    @Test
    void aLanguageModelTrainsAndItsRunsDoNotDependOnTheThreadCount() throws IOException {
        TaskData data = new TaskData(corpus());
        Task t = Task.build(TaskSpec.parse("family=transformer,ctx=12,heads=2,vocab=40,width=16,depth=2,batch=8,seed=3"),
                data);
        assertEquals(40, t.classes());
        Training.Result a = Training.run(t, Adam.Config.adamW(2e-2, 0), new Training.Options(120, 0, true), null,
                Parallel.serial());
        Training.Result b = Training.run(t, Adam.Config.adamW(2e-2, 0), new Training.Options(120, 0, true), null,
                Parallel.of(2));
        assertArrayEquals(a.losses(), b.losses());
        double first = a.losses()[0];
        double last = (a.losses()[119] + a.losses()[118] + a.losses()[117]) / 3;
        assertEquals(Math.log(40), first, 0.3, "starts near a uniform guess");
        assertTrue(last < first - 1.0, first + " -> " + last);
        assertTrue(a.test().loss() < first - 1.0, "test loss " + a.test().loss());
    }

    @Test
    void aVitCutsImagesIntoRowMajorPatchesAndTrains() {
        TaskData data = new TaskData(null);
        VitTask t = (VitTask) Task.build(TaskSpec.parse("family=vit,dataset=synthetic,res=4,patch=2,heads=2,width=8,"
                + "depth=1,batch=16,seed=1"), data);
        float[] img = new float[16];
        for (int i = 0; i < 16; i++) {
            img[i] = i;
        }
        float[] patches = new float[16];
        t.patchify(img, 0, 1, patches);
        // 4×4 image, 2×2 patches: top-left, top-right, bottom-left, bottom-right, each row-major
        assertArrayEquals(new float[] {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}, patches);
        Task v = Task.build(TaskSpec.parse("family=vit,dataset=synthetic,res=8,patch=4,heads=2,width=16,depth=2,"
                + "batch=64,seed=2"), data);
        Training.Result r = Training.run(v, Adam.Config.adamW(3e-3, 0), new Training.Options(150, 0, true), null,
                Parallel.of(2));
        assertTrue(r.losses()[149] < 0.8 * r.losses()[0], r.losses()[0] + " -> " + r.losses()[149]);
        assertTrue(r.test().accuracy() > 0.3, "test accuracy " + r.test().accuracy());
    }

    @Test
    void specsOfTheTransformerFamiliesAreCheckedByName() {
        TaskSpec lm = TaskSpec.parse("family=transformer,width=128");
        assertEquals("family=transformer,dataset=fortunes,ctx=64,heads=4,vocab=96,width=128,depth=2,param=mup,batch=32,"
                + "seed=0", lm.toString());
        assertEquals("lm64-w128-d2-h4-mup", lm.label());
        assertEquals("vit-fmnist28p7-w64-d2-h4-mup", TaskSpec.parse("family=vit").label());
        TaskSpecTest.assertMessage("must be a positive multiple of its 3 heads",
                () -> TaskSpec.parse("family=transformer,width=64,heads=3"));
        TaskSpecTest.assertMessage("vit patch 5 must divide the resolution 28", () -> TaskSpec.parse("family=vit,patch=5"));
        TaskSpecTest.assertMessage("vocab must be in [2, 256]", () -> TaskSpec.parse("family=transformer,vocab=300"));
        TaskSpecTest.assertMessage("unknown text dataset 'wiki'", () -> TaskSpec.parse("family=transformer,dataset=wiki"));
        assertTrue(MemoryEstimate.trainingBytes(lm, 4) > 4 * MemoryEstimate.parameters(lm) * 6);
    }
}
