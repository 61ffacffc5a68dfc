package io.lopt.optimizees.datasets;

/**
 * A classification dataset held in memory: standardised float features and integer labels, with its published
 * train/test split.
 *
 * @param name     e.g. {@code fashion-mnist-8x8}
 * @param features inputs per example
 * @param classes  number of classes (labels are in [0, classes))
 */
public record Dataset(String name, int features, int classes, Split train, Split test) {
    public Dataset {
        if (train.features() != features || test.features() != features) {
            throw new IllegalArgumentException("dataset " + name + ": splits disagree on the feature count");
        }
    }
}
