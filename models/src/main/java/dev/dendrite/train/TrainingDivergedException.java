package dev.dendrite.train;

/** Thrown when the training loss becomes NaN or infinite; names the epoch, batch and global step. */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
