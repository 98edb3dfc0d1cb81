package org.sparkresnet.jobs.train;

import org.apache.spark.TaskContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The copy of a worker-side listener that arrived with the Spark task now running on this thread.
 *
 * <p>Gradient sharing (dl4j-spark-parameterserver 1.0.0-M2) keeps training the model of an executor's first fit,
 * with that fit's listener copies, in every later fit (SharedTrainingWrapper puts the new copies on a model it
 * never trains). Only the current task's copy carries this fit's accumulators and settings, so each copy registers
 * itself for its task when it is deserialized, and the listeners look the current one up here.
 */
public final class TaskCopies<T> {
    private final Map<Long, T> byTask = new ConcurrentHashMap<>();

    /** Call from the copy's readObject: it becomes the current copy of the task that is deserializing it. */
    public void register(T copy) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            long id = task.taskAttemptId();
            if (byTask.putIfAbsent(id, copy) == null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) done -> byTask.remove(id));
            }
        }
    }

    /** The running task's copy; {@code fallback} (the copy the call came through) outside a task or before one registered. */
    public T current(T fallback) {
        TaskContext task = TaskContext.get();
        T copy = task == null ? null : byTask.get(task.taskAttemptId());
        return copy != null ? copy : fallback;
    }
}
