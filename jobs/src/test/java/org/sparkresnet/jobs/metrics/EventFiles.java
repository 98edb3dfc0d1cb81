package org.sparkresnet.jobs.metrics;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads TensorBoard event files as TensorBoard would, for tests: checks the TFRecord framing and both CRCs with its own
 * CRC-32C, then decodes each record with {@code protoc --decode=tensorboard.Event} against TensorBoard's own
 * event.proto and summary.proto (test resources tensorboard/compat/proto/). Tests call {@link #assumeProtoc()} first:
 * without protoc (Debian's protobuf-compiler) they are skipped, saying so.
 */
public final class EventFiles {
    public static final Pattern FILE_NAME = Pattern.compile("events\\.out\\.tfevents\\.(\\d{10})\\.[A-Za-z0-9._-]+");
    private static final Pattern FIELD = Pattern.compile("^\\s*(\\w+): (.*)$");

    /** A decoded Event: wall_time, step, file_version (null if not set) and the summary's {tag: simple_value}. */
    public record Event(double wallTime, long step, String fileVersion, Map<String, Float> values) {
    }

    private EventFiles() {
    }

    public static void assumeProtoc() {
        boolean found;
        try {
            Process p = new ProcessBuilder("protoc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            found = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            found = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            found = false;
        }
        Assumptions.assumeTrue(found, "protoc is not installed (apt-get install -y protobuf-compiler): the TensorBoard event"
                + " files cannot be decoded against TensorBoard's event.proto, so this test is skipped");
    }

    /** The folder's event files, sorted by name as TensorBoard reads them. */
    public static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().contains("tfevents")).sorted().toList();
        }
    }

    /** Every event of the file, in order; the framing and both CRCs of each record are asserted. */
    public static List<Event> read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Every event of an event file's bytes (read from any store), in order; {@code file} names it in messages. */
    public static List<Event> read(byte[] bytes, String file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (byte[] record : records(bytes, file)) {
            events.add(decode(record));
        }
        return events;
    }

    /** The records' data, after checking: uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the data. */
    public static List<byte[]> records(byte[] bytes, String file) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> records = new ArrayList<>();
        while (in.hasRemaining()) {
            assertTrue(in.remaining() >= 12, file + ": a record header needs 12 bytes, " + in.remaining() + " left");
            byte[] length = new byte[8];
            in.get(length);
            assertEquals(maskedCrc(length), in.getInt(), file + ": CRC of record " + records.size() + "'s length");
            long n = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertTrue(n >= 0 && n + 4 <= in.remaining(), file + ": record " + records.size() + " of " + n + " bytes overruns the file");
            byte[] data = new byte[(int) n];
            in.get(data);
            assertEquals(maskedCrc(data), in.getInt(), file + ": CRC of record " + records.size() + "'s data");
            records.add(data);
        }
        return records;
    }

    /** TFRecord's masked CRC-32C, computed here bit by bit (reflected Castagnoli polynomial), not with the writer's code. */
    public static int maskedCrc(byte[] bytes) {
        int crc = 0xFFFFFFFF;
        for (byte b : bytes) {
            crc ^= b & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        crc = ~crc;
        return Integer.rotateRight(crc, 15) + 0xA282EAD8;
    }

    /** One record's bytes through {@code protoc --decode=tensorboard.Event}; the text format parsed back. */
    public static Event decode(byte[] record) throws IOException {
        Path protoRoot = protoRoot();
        Process p = new ProcessBuilder("protoc", "--proto_path=" + protoRoot, "--decode=tensorboard.Event",
                "tensorboard/compat/proto/event.proto").redirectErrorStream(true).start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(record);
        }
        String text;
        try (InputStream stdout = p.getInputStream()) {
            text = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "protoc did not finish");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        assertEquals(0, p.exitValue(), "protoc could not decode the record as a tensorboard.Event: " + text);
        return parse(text);
    }

    /** protoc's text format of an Event; refuses fields this project never writes, so a wrong field number shows. */
    static Event parse(String text) {
        double wallTime = Double.NaN;
        long step = 0;
        String fileVersion = null;
        Map<String, Float> values = new LinkedHashMap<>();
        String tag = null;
        List<String> unexpected = new ArrayList<>();
        for (String line : text.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.equals("}") || trimmed.equals("summary {") || trimmed.equals("value {")) {
                continue;
            }
            Matcher m = FIELD.matcher(line);
            if (!m.matches()) {
                unexpected.add(line);
                continue;
            }
            String value = m.group(2);
            switch (m.group(1)) {
                case "wall_time" -> wallTime = Double.parseDouble(value);
                case "step" -> step = Long.parseLong(value);
                case "file_version" -> fileVersion = unquote(value);
                case "tag" -> tag = unquote(value);
                case "simple_value" -> values.put(tag, Float.parseFloat(value));
                default -> unexpected.add(line);
            }
        }
        assertEquals(List.of(), unexpected, "fields of the decoded Event besides wall_time, step, file_version, summary.value"
                + " {tag, simple_value}:\n" + text);
        return new Event(wallTime, step, fileVersion, values);
    }

    private static String unquote(String s) {
        assertTrue(s.length() >= 2 && s.startsWith("\"") && s.endsWith("\""), "a string in protoc's output: " + s);
        return s.substring(1, s.length() - 1);
    }

    private static Path protoRoot() {
        try {
            return Path.of(EventFiles.class.getResource("/tensorboard/compat/proto/event.proto").toURI()).getParent().getParent()
                    .getParent().getParent();
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
