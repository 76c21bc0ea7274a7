package dev.striate.nn;

import java.io.IOException;

/** A checkpoint file that cannot be loaded: truncated, corrupted, or written by another network. Thread-safety: immutable. */
public final class CheckpointException extends IOException {

    CheckpointException(String message) {
        super(message);
    }
}
