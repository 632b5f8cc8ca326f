package org.crest;

/** Rows in did not equal rows labeled plus rows quarantined: something was lost or counted twice. */
public class ConservationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConservationException(String message) {
        super(message);
    }
}
