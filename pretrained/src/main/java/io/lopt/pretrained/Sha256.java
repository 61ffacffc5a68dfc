package io.lopt.pretrained;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 of a file's bytes, as lower-case hex: what {@code sha256sum FILE} prints. */
public final class Sha256 {
    private Sha256() {
    }

    public static String hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code s} looks like a SHA-256: 64 lower-case hex digits. */
    static boolean valid(String s) {
        return s != null && s.matches("[0-9a-f]{64}");
    }
}
