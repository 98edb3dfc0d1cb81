package org.sparkresnet.data.image;

/** An input file that cannot become an example; the message says why (the caller adds the file name). */
public final class BadImageException extends Exception {
    public BadImageException(String reason) {
        super(reason);
    }
}
