package org.sparkresnet.data.stream;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongConsumer;

/**
 * Produces the next elements of {@code source} on a background thread, at most {@code depth} ahead, so the
 * consumer (a training loop) waits only when reading and decoding are slower than training. The time the consumer
 * spends blocked in {@link #next()} and {@link #hasNext()} is reported to {@code waited} (nanoseconds): the data-wait
 * time of the loop. A failure of the source is rethrown to the consumer; {@link #close()} stops the thread and waits
 * for it (a task that ends early, e.g. first(), must not close the source while the thread still reads from it).
 */
public final class PrefetchingIterator<T> implements Iterator<T>, AutoCloseable {
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private final Thread producer;
    private final LongConsumer waited;
    private Object next;
    private volatile boolean closed;

    public PrefetchingIterator(Iterator<T> source, int depth, LongConsumer waited, String threadName) {
        if (depth < 1) {
            throw new IllegalArgumentException("prefetch depth must be >= 1, got " + depth);
        }
        this.queue = new ArrayBlockingQueue<>(depth);
        this.waited = waited;
        this.producer = new Thread(() -> produce(source), threadName);
        producer.setDaemon(true);
        producer.start();
    }

    private void produce(Iterator<T> source) {
        try {
            while (!closed && source.hasNext()) {
                queue.put(source.next());
            }
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            try {
                queue.put(new Failure(t));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            long start = System.nanoTime();
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the next minibatch", e);
            } finally {
                waited.accept(System.nanoTime() - start);
            }
        }
        if (next instanceof Failure failure) {
            close();
            if (failure.cause instanceof RuntimeException r) {
                throw r;
            }
            if (failure.cause instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(failure.cause);
        }
        return next != END;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T element = (T) next;
        next = null;
        return element;
    }

    /** Stops the producer and waits (up to 10 s) until it has, so the source can then be closed safely. */
    @Override
    public void close() {
        closed = true;
        producer.interrupt();
        if (Thread.currentThread() != producer) {
            try {
                producer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private record Failure(Throwable cause) {
    }
}
