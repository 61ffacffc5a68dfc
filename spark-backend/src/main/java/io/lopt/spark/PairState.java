package io.lopt.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.Safetensors;
import io.lopt.checkpoints.Tensor;
import io.lopt.metatrain.pes.PesEstimator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One antithetic pair's persistent state as it lives on an executor between outer steps: the tensors and scalars
 * {@link PesEstimator#savePair} writes (the same names as in a state checkpoint), as safetensors bytes. A step reads
 * it and writes a new one; it never changes in place, so Spark can recompute a lost partition from its parent.
 */
public final class PairState implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String META = "pair";

    private final int estimator;
    private final int pair;
    private final byte[] bytes;

    private PairState(int estimator, int pair, byte[] bytes) {
        this.estimator = estimator;
        this.pair = pair;
        this.bytes = bytes;
    }

    /** Pair {@code i} of {@code est} as that estimator holds it now. */
    static PairState of(PesEstimator<?, ?> est, int estimator, int i) {
        List<Tensor> tensors = new ArrayList<>();
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        est.savePair(i, PesEstimator.statePrefix(estimator), tensors, meta);
        return of(estimator, i, tensors, meta);
    }

    /** A pair from its tensors and scalars as written in a state checkpoint. */
    static PairState of(int estimator, int i, List<Tensor> tensors, JsonNode meta) {
        return new PairState(estimator, i, Safetensors.toBytes(tensors, Map.of(META, meta.toString())));
    }

    /**
     * A pair read from a whole state checkpoint's tensors: those under {@code est<e>/pair<i>/} and the scalars in
     * {@code meta}.
     */
    static PairState fromState(int estimator, int i, Map<String, Tensor> all, JsonNode meta) {
        String p = PesEstimator.pairPrefix(PesEstimator.statePrefix(estimator), i) + "/";
        List<Tensor> mine = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            if (e.getKey().startsWith(p)) {
                mine.add(e.getValue());
            }
        }
        mine.sort(java.util.Comparator.comparing(Tensor::name));
        return of(estimator, i, mine, meta);
    }

    int estimator() {
        return estimator;
    }

    int pair() {
        return pair;
    }

    /** Loads this pair into {@code est} (an estimator built for the same configuration). */
    void loadInto(PesEstimator<?, ?> est) {
        Safetensors.Contents c = Safetensors.parse(bytes, null);
        Map<String, Tensor> tensors = new HashMap<>();
        for (Tensor t : c.tensors()) {
            tensors.put(t.name(), t);
        }
        est.loadPair(pair, PesEstimator.statePrefix(estimator), tensors, meta(c));
    }

    /**
     * Appends this pair to a state checkpoint: its tensors, in the order they were written, to {@code tensors}, and
     * its scalars (as in {@code estimators[e].pairs[i]}) to {@code pairs}.
     */
    void appendTo(List<Tensor> tensors, com.fasterxml.jackson.databind.node.ArrayNode pairs) {
        Safetensors.Contents c = Safetensors.parse(bytes, null);
        tensors.addAll(c.tensors());
        pairs.add(meta(c));
    }

    private static JsonNode meta(Safetensors.Contents c) {
        try {
            return JSON.readTree(c.metadata().get(META));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("damaged pair state: " + e.getMessage(), e);
        }
    }

    /** The size of the serialized state in bytes. */
    int size() {
        return bytes.length;
    }
}
