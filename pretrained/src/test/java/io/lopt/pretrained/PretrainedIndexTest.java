package io.lopt.pretrained;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PretrainedIndexTest {
    static final byte[] A = PretrainedFolderTest.checkpoint(true, 1);
    static final byte[] B = PretrainedFolderTest.checkpoint(false, 2);

    static PretrainedIndex two() {
        return new PretrainedIndex(List.of(PretrainedFolderTest.entry("mulo", "mulo.safetensors", A),
                PretrainedFolderTest.entry("sp-lo", "sp-lo.safetensors", B)));
    }

    static String json(PretrainedIndex i) {
        return new String(i.toBytes(), StandardCharsets.UTF_8);
    }

    static String error(String json) {
        return assertThrows(IllegalArgumentException.class,
                () -> PretrainedIndex.parse(json.getBytes(StandardCharsets.UTF_8), "idx")).getMessage();
    }

    @Test
    void roundTripsAndKeepsTheOrder() {
        PretrainedIndex i = two();
        PretrainedIndex back = PretrainedIndex.parse(i.toBytes(), "idx");
        assertEquals(i, back);
        assertEquals(List.of("mulo", "sp-lo"), back.names());
        assertTrue(json(i).contains("\"wall_time_s\" : 91.5"), json(i));
    }

    @Test
    void anUnknownNameListsTheAvailableOnes() {
        String m = assertThrows(IllegalArgumentException.class, () -> two().get("velo")).getMessage();
        assertEquals("unknown pretrained learned optimizer 'velo' (available: mulo, sp-lo)", m);
    }

    @Test
    void rejectsDuplicatesBadChecksumsAndPaths() {
        String j = json(two());
        assertTrue(error(j.replace("\"sp-lo\"", "\"mulo\"")).contains("'mulo' twice"));
        assertTrue(error(j.replace("sp-lo.safetensors", "mulo.safetensors")).contains("twice"));
        String sha = two().get("mulo").sha256();
        assertTrue(error(j.replace(sha, sha.substring(1))).contains("64 lower-case hex digits"));
        assertTrue(error(j.replace("\"mulo.safetensors\"", "\"../mulo.safetensors\"")).contains("invalid file name"));
        assertTrue(error(j.replace("\"format_version\" : 1", "\"format_version\" : 2")).contains("not supported"));
        assertTrue(error(j.replace("\"outer_steps\" : 1000", "\"outer_steps\" : \"x\"")).contains("outer_steps"));
        assertTrue(error("{").startsWith("idx: not valid JSON"));
        assertTrue(error("{\"format\": \"x\"}").contains("not a pretrained index"));
    }

    @Test
    void replacesAnEntryInPlace() {
        PretrainedEntry newer = PretrainedFolderTest.entry("mulo", "mulo2.safetensors", B);
        PretrainedIndex i = two().with(newer);
        assertEquals(List.of("mulo", "sp-lo"), i.names());
        assertEquals("mulo2.safetensors", i.get("mulo").file());
    }
}
