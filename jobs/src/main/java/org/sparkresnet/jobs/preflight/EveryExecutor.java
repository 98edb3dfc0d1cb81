package org.sparkresnet.jobs.preflight;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.rdd.RDD;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one task on each executor. Spark has no "run on executor X" call; a task whose preferred location is
 * {@code executor_HOST_ID} is offered to that executor first (process-local) and elsewhere only after
 * spark.locality.wait (3 s by default) without a free slot there. Each task reports the executor it ran on, and the
 * executors not yet covered get another round, up to {@link #ROUNDS}.
 */
public final class EveryExecutor {
    static final int ROUNDS = 3;

    private EveryExecutor() {
    }

    /** Results by executor id; executors without one are in {@code missing} with the reason. */
    public record Outcome(Map<String, ExecutorResult> results, Map<ExecutorRef, String> missing) {
    }

    public static Outcome run(JavaSparkContext sc, List<ExecutorRef> targets, Function<ExecutorRef, ExecutorResult> probe, Duration timeout) {
        Map<String, ExecutorResult> results = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        String failure = null;
        for (int round = 0; round < ROUNDS; round++) {
            List<ExecutorRef> missing = targets.stream().filter(t -> !results.containsKey(t.id())).toList();
            if (missing.isEmpty()) {
                break;
            }
            sc.setJobDescription("preflight: one task on each of " + missing.size() + " executors (round " + (round + 1) + ")");
            JavaFutureAction<List<ExecutorResult>> job = pinned(sc, missing).toJavaRDD().map(probe).collectAsync();
            try {
                for (ExecutorResult result : job.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    results.putIfAbsent(result.executor().id(), result);
                }
            } catch (TimeoutException e) {
                job.cancel(true);
                failure = "no answer within " + timeout.toSeconds() + " s (--task-timeout)";
                break;
            } catch (ExecutionException e) {
                failure = "the probe task failed: " + NativeCheck.oneLine(e.getCause() == null ? e : e.getCause());
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
                break;
            }
        }
        Map<ExecutorRef, String> missing = new LinkedHashMap<>();
        for (ExecutorRef target : targets) {
            if (!results.containsKey(target.id())) {
                missing.put(target, failure != null ? failure
                        : "its task ran elsewhere in " + ROUNDS + " rounds (spark.locality.wait too short, or the executor is busy or lost)");
            }
        }
        return new Outcome(results, missing);
    }

    /** One partition per target, each preferring its executor. */
    private static RDD<ExecutorRef> pinned(JavaSparkContext sc, List<ExecutorRef> targets) {
        List<Tuple2<ExecutorRef, Seq<String>>> items = new ArrayList<>();
        for (ExecutorRef target : targets) {
            items.add(new Tuple2<>(target, JavaConverters.asScalaBuffer(List.of(target.location())).toSeq()));
        }
        ClassTag<ExecutorRef> tag = ClassTag$.MODULE$.apply(ExecutorRef.class);
        return sc.sc().makeRDD(JavaConverters.asScalaBuffer(items).toSeq(), tag);
    }
}
