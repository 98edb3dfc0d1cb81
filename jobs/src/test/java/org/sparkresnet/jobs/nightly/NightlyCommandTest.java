package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.RunLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.image.TestImages;
import org.sparkresnet.jobs.cli.Main;
import picocli.CommandLine;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nightly command end to end on Spark local[2], through the CLI as a scheduler calls it, on a generated folder
 * dataset of three classes of small JPEGs that grows between nights: night 1 prepares everything and is promoted, a
 * rerun is a no-op, night 2 prepares only the new images and moves latest, a truncated JPEG fails night 3 with the
 * bad-data code and its rerun resumes the attempt once the data is fixed, a tolerance that cannot be met fails night 4's gate, a live lock refuses night 5 and a dead
 * process's lock is taken over, and retention keeps two dates.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NightlyCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Enough for batch-norm running statistics to settle on 36-54 images, so that test accuracy leaves chance (0.33). */
    private static final int EPOCHS = 6;
    private static final List<String> CLASSES = List.of("amber", "moss", "sky");
    private static final Color[] HUES = {new Color(200, 120, 30), new Color(60, 150, 60), new Color(70, 120, 210)};

    @TempDir
    static Path work;
    static Path input;
    static Path root;

    record Night(int exit, JsonNode summary, String stdout, String stderr) {
    }

    static Night night(String date, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("nightly", "--root", root.toUri().toString(), "--input", input.toString(),
                "--date", date, "--image-size", "16", "--resize", "18", "--shard-size", "8", "--model", "resnet20", "--epochs", String.valueOf(EPOCHS),
                "--batch", "16", "--lr", "0.01", "--master", "local[2]", "--progress-seconds", "600"));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = cli.execute(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        System.out.println(printed + err);
        String[] lines = printed.strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("{\"date\":") && !last.contains("\n"), "stdout ends with the one-line summary: " + last);
        JsonNode summary = JSON.readTree(last);
        assertEquals(exit, summary.path("exitCode").asInt(), last);
        assertEquals(date, summary.path("date").asText());
        return new Night(exit, summary, printed, err.toString());
    }

    /** Class-coloured photo-like JPEGs: a hue per class under random shapes and noise, so that a small net learns them. */
    static void addImages(String split, int perClass, int firstIndex) throws Exception {
        for (int c = 0; c < CLASSES.size(); c++) {
            for (int i = firstIndex; i < firstIndex + perClass; i++) {
                Random random = new Random(1000L * c + i + split.hashCode());
                BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = image.createGraphics();
                g.setColor(HUES[c]);
                g.fillRect(0, 0, 40, 30);
                for (int s = 0; s < 4; s++) {
                    g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
                    g.fillOval(random.nextInt(40), random.nextInt(30), 4 + random.nextInt(8), 4 + random.nextInt(8));
                }
                g.dispose();
                TestImages.write(input.resolve(split + "/" + CLASSES.get(c) + "/img" + i + ".jpg"), TestImages.jpeg(image));
            }
        }
    }

    static JsonNode latest() throws Exception {
        return JSON.readTree(Files.readString(root.resolve("latest.json")));
    }

    static Path dateDir(String date) {
        return root.resolve("runs/dt=" + date);
    }

    static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).collect(Collectors.toSet());
        }
    }

    @Test
    @Order(1)
    void firstNightPreparesEverythingAndIsPromoted() throws Exception {
        input = work.resolve("photos");
        root = work.resolve("nightly");
        addImages("train", 12, 0);
        addImages("val", 4, 0);
        Night night = night("2024-05-01");
        assertEquals(0, night.exit(), night.stderr());
        JsonNode s = night.summary();
        assertEquals("promoted", s.path("status").asText());
        assertEquals("first", s.path("gate").asText());
        assertEquals("full", s.path("prepare").path("mode").asText());
        assertEquals(48, s.path("prepare").path("newImages").asLong());
        assertEquals(36, s.path("trainImages").asLong());
        assertEquals(12, s.path("testImages").asLong());
        assertEquals(36L * EPOCHS, s.path("imagesTrained").asLong(), "every epoch trains the 36 images");
        assertTrue(s.path("accuracy").asDouble() >= 0 && s.path("accuracy").asDouble() <= 1);
        assertTrue(s.path("seconds").path("train").asDouble() > 0);
        String model = dateDir("2024-05-01").resolve("attempt-1/model/model.zip").toUri().toString();
        assertEquals(new org.apache.hadoop.fs.Path(model).toString(), latest().path("model").asText());
        assertTrue(Files.isRegularFile(dateDir("2024-05-01").resolve("attempt-1/model/model.zip")));
        assertEquals("promoted", JSON.readTree(Files.readString(dateDir("2024-05-01").resolve("_SUCCESS"))).path("status").asText());
        assertEquals(s, JSON.readTree(Files.readString(dateDir("2024-05-01").resolve("summary.json"))));
        assertEquals(s, JSON.readTree(Files.readString(dateDir("2024-05-01").resolve("attempt-1/summary.json"))));
        assertTrue(Files.isRegularFile(dateDir("2024-05-01").resolve("attempt-1/evaluation/evaluation-test.json")));
        assertFalse(Files.exists(root.resolve("locks/dt=2024-05-01.lock")), "the lock is released");
    }

    @Test
    @Order(2)
    void rerunOfACompletedNightIsANoOp() throws Exception {
        Instant modelTime = Files.getLastModifiedTime(dateDir("2024-05-01").resolve("attempt-1/model/model.zip")).toInstant();
        String latestBefore = Files.readString(root.resolve("latest.json"));
        Night night = night("2024-05-01");
        assertEquals(0, night.exit());
        assertEquals("skipped", night.summary().path("status").asText());
        assertEquals("promoted", night.summary().path("completedStatus").asText());
        assertEquals(Set.of("_SUCCESS", "summary.json", "attempt-1"), names(dateDir("2024-05-01")));
        assertEquals(modelTime, Files.getLastModifiedTime(dateDir("2024-05-01").resolve("attempt-1/model/model.zip")).toInstant());
        assertEquals(latestBefore, Files.readString(root.resolve("latest.json")));
        assertFalse(night.stdout().contains("epoch 1/"), "nothing trained");
    }

    @Test
    @Order(3)
    void secondNightPreparesOnlyTheNewImagesAndMovesLatest() throws Exception {
        addImages("train", 6, 12);
        addImages("val", 2, 4);
        Night night = night("2024-05-02", "--gate-tolerance", "1");
        assertEquals(0, night.exit(), night.stderr());
        JsonNode s = night.summary();
        assertEquals("promoted", s.path("status").asText());
        assertEquals("incremental", s.path("prepare").path("mode").asText());
        assertEquals(24, s.path("prepare").path("newImages").asLong(), "18 train + 6 val images are new");
        assertEquals(54, s.path("trainImages").asLong());
        assertEquals(18, s.path("testImages").asLong());
        assertTrue(s.has("latestAccuracy"), "the night-1 model evaluated on night 2's test data: " + s);
        assertEquals("passed", s.path("gate").asText());
        assertTrue(s.path("accuracy").asDouble() >= s.path("latestAccuracy").asDouble() - 1);

        Configuration conf = new Configuration();
        String trainDir = dateDir("2024-05-02").resolve("attempt-1/data/train").toUri().toString();
        SplitManifest train = SplitManifest.read(trainDir, conf);
        assertEquals(54, train.numExamples());
        List<String> named = new ArrayList<>();
        s.path("prepare").path("batches").forEach(b -> named.add(b.asText()));
        assertEquals(2, named.size(), named.toString());
        assertTrue(named.get(0).startsWith("2024-05-01-") && named.get(1).startsWith("2024-05-02-"), named.toString());
        assertTrue(train.shards().stream().anyMatch(r -> r.startsWith("../../../../../shards/" + named.get(0) + "/train/")), train.shards().toString());
        SplitManifest newBatch = SplitManifest.read(root.resolve("shards/" + named.get(1) + "/train").toUri().toString(), conf);
        assertEquals(18, newBatch.numExamples(), "night 2 decoded only its new training images");
        assertEquals(54, countExamples(trainDir, conf), "the date's manifest reads night 1's shards and night 2's");
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(new GZIPInputStream(
                Files.newInputStream(dateDir("2024-05-02").resolve("attempt-1/data/files.tsv.gz")))))) {
            assertEquals(72, lines.lines().count());
        }
        assertTrue(latest().path("model").asText().contains("dt=2024-05-02/attempt-1/model/model.zip"));
    }

    @Test
    @Order(4)
    void badDataFailsWithItsCodeAndLeavesLatest() throws Exception {
        String latestBefore = Files.readString(root.resolve("latest.json"));
        byte[] jpeg = Files.readAllBytes(input.resolve("train/moss/img0.jpg"));
        Path bad = input.resolve("train/moss/broken.jpg");
        Files.write(bad, Arrays.copyOf(jpeg, jpeg.length / 2));
        Night night = night("2024-05-03", "--gate-tolerance", "1");
        assertEquals(NightlyCommand.EXIT_BAD_DATA, night.exit());
        assertEquals("bad-data", night.summary().path("status").asText());
        assertTrue(night.summary().path("error").asText().contains("broken.jpg"), night.summary().toString());
        assertTrue(night.stderr().contains("broken.jpg"));
        assertEquals(latestBefore, Files.readString(root.resolve("latest.json")));
        assertFalse(Files.exists(dateDir("2024-05-03").resolve("_SUCCESS")));
        assertEquals("bad-data", JSON.readTree(Files.readString(dateDir("2024-05-03").resolve("summary.json"))).path("status").asText());

        Files.delete(bad); // the data is fixed: the rerun resumes the unfinished attempt, its data stage from scratch
        Night rerun = night("2024-05-03", "--gate-tolerance", "1");
        assertEquals(0, rerun.exit(), rerun.stderr());
        assertTrue(rerun.stdout().contains("resuming the unfinished attempt 1 of dt=2024-05-03"), rerun.stdout());
        assertEquals(1, rerun.summary().path("attempt").asInt());
        assertEquals("incremental", rerun.summary().path("prepare").path("mode").asText());
        assertEquals(0, rerun.summary().path("prepare").path("newImages").asLong());
        assertEquals(Set.of("_SUCCESS", "summary.json", "attempt-1"), names(dateDir("2024-05-03")));
    }

    @Test
    @Order(5)
    void gateMissLeavesLatestAndCompletesTheDate() throws Exception {
        String latestBefore = Files.readString(root.resolve("latest.json"));
        Night night = night("2024-05-04", "--gate-tolerance", "-1");
        assertEquals(NightlyCommand.EXIT_GATE_FAILED, night.exit(), night.stderr());
        JsonNode s = night.summary();
        assertEquals("gate-failed", s.path("status").asText());
        assertEquals("failed", s.path("gate").asText());
        assertEquals("incremental", s.path("prepare").path("mode").asText(), "built on night 3, the newest completed date");
        assertEquals(0, s.path("prepare").path("newImages").asLong());
        assertTrue(s.has("latestAccuracy"));
        assertEquals(latestBefore, Files.readString(root.resolve("latest.json")));
        assertTrue(s.path("latest").asText().contains("dt=2024-05-03"));
        assertEquals("gate-failed", JSON.readTree(Files.readString(dateDir("2024-05-04").resolve("_SUCCESS"))).path("status").asText());
        assertEquals("skipped", night("2024-05-04").summary().path("status").asText());
    }

    @Test
    @Order(6)
    void liveLockRefusesStaleLockIsTakenOverAndRetentionKeepsTwo() throws Exception {
        Path lock = root.resolve("locks/dt=2024-05-05.lock");
        long me = ProcessHandle.current().pid();
        Files.writeString(lock, JSON.writeValueAsString(new RunLock.Holder(RunLock.thisHost(), me, Instant.now().toString(), "other")));
        Night refused = night("2024-05-05");
        assertEquals(NightlyCommand.EXIT_TEMPORARY, refused.exit());
        assertEquals("locked", refused.summary().path("status").asText());
        assertTrue(refused.summary().path("error").asText().contains("pid " + me), refused.summary().toString());
        assertFalse(Files.exists(dateDir("2024-05-05")), "a refused night writes nothing");

        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(lock, JSON.writeValueAsString(new RunLock.Holder(RunLock.thisHost(), gone.pid(), Instant.now().toString(), "other")));
        Night night = night("2024-05-05", "--gate-tolerance", "1", "--keep", "2");
        assertEquals(0, night.exit(), night.stderr());
        assertTrue(night.stdout().contains("taking over the stale lock"), night.stdout());
        assertTrue(night.stdout().contains("process " + gone.pid() + " is not running on this host"));
        assertFalse(Files.exists(lock));
        JsonNode s = night.summary();
        assertEquals("promoted", s.path("status").asText());
        assertTrue(latest().path("model").asText().contains("dt=2024-05-05/attempt-1/model/model.zip"));

        assertEquals(Set.of("dt=2024-05-04", "dt=2024-05-05"), names(root.resolve("runs")), "the last two completed dates");
        Set<String> deleted = new HashSet<>();
        s.path("deleted").forEach(d -> deleted.add(d.asText()));
        assertEquals(Set.of("2024-05-01", "2024-05-02", "2024-05-03"), deleted);
        Set<String> batches = new HashSet<>();
        s.path("prepare").path("batches").forEach(b -> batches.add(b.asText()));
        assertEquals(batches, names(root.resolve("shards")), "night 3's unused batch collected, the shared ones kept");
        assertEquals(54, countExamples(dateDir("2024-05-05").resolve("attempt-1/data/train").toUri().toString(), new Configuration()));
    }

    private static long countExamples(String splitDir, Configuration conf) {
        long n = 0;
        var batches = ShardedDataset.localIterator(splitDir, conf, 16);
        while (batches.hasNext()) {
            n += batches.next().numExamples();
        }
        return n;
    }
}
