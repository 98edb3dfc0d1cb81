package org.sparkresnet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Builds the distribution's lib/: the project's runtime jars less those a stock Spark 3.5.9 distribution already has.
 * On a cluster Spark's own jars come first on every class path (driver and executors, unless userClassPathFirst), so
 * shipping a second copy of one of them at another version would only hide which one runs. The build fails when
 *
 * <ul>
 *   <li>a jar both have is at another version here than in Spark (the tests would run a version the cluster does not:
 *       pin Spark's in the parent pom), or</li>
 *   <li>a jar left in lib/ holds a class that one of Spark's jars holds too with other bytes (two versions of a class
 *       under different artifact names, e.g. kryo beside Spark's kryo-shaded: exclude ours).</li>
 * </ul>
 *
 * <p>Run by the build: {@code DistributionLayout OUR_LIST SPARK_LIST SPARK_JARS LIB OUT_LIB REPORT}, where the lists are
 * {@code mvn dependency:list} outputs (groupId:artifactId:type[:classifier]:version:scope), LIB is copy-dependencies'
 * flat folder of our runtime jars and SPARK_JARS the stock Spark's.
 */
public final class DistributionLayout {
    /** One resolved jar: what dependency:list prints and the file name copy-dependencies gives it. */
    record Artifact(String groupId, String artifactId, String classifier, String version) {
        static Artifact parse(String line) {
            String coordinates = line.strip().split("\\s+--\\s+")[0].split("\\s")[0];
            String[] p = coordinates.split(":");
            if (p.length == 5) {
                return new Artifact(p[0], p[1], "", p[3]);
            }
            if (p.length == 6) {
                return new Artifact(p[0], p[1], p[3], p[4]);
            }
            throw new IllegalArgumentException("not a dependency:list line (group:artifact:type[:classifier]:version:scope): " + line);
        }

        String key() {
            return groupId + ":" + artifactId + (classifier.isEmpty() ? "" : ":" + classifier);
        }

        String fileName() {
            return artifactId + "-" + version + (classifier.isEmpty() ? "" : "-" + classifier) + ".jar";
        }
    }

    private DistributionLayout() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: DistributionLayout OUR_LIST SPARK_LIST SPARK_JARS LIB OUT_LIB REPORT");
        }
        Map<String, Artifact> ours = read(Path.of(args[0]));
        Map<String, Artifact> spark = read(Path.of(args[1]));
        Path sparkJars = Path.of(args[2]);
        Path lib = Path.of(args[3]);
        Path outLib = Path.of(args[4]);
        Path report = Path.of(args[5]);

        List<String> problems = new ArrayList<>();
        List<String> reportLines = new ArrayList<>();
        reportLines.add("# Runtime jars of spark-resnet that a stock Spark 3.5.9 distribution provides (left out of lib/):");
        List<Path> shipped = new ArrayList<>();
        for (Artifact a : ours.values()) {
            Artifact provided = spark.get(a.key());
            if (provided == null) {
                shipped.add(lib.resolve(a.fileName()));
            } else if (!provided.version().equals(a.version())) {
                problems.add(a.key() + " is " + a.version() + " here but " + provided.version() + " in Spark: pin Spark's version in the parent pom");
            } else {
                reportLines.add(a.key() + ":" + a.version());
            }
        }
        problems.addAll(duplicateClasses(shipped, sparkJars));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the distribution would clash with a stock Spark 3.5.9:\n  " + String.join("\n  ", problems));
        }
        replaceWithLinks(shipped, outLib);
        Files.createDirectories(report.getParent());
        Files.write(report, reportLines);
        System.out.printf("distribution lib/: %d jars shipped, %d provided by Spark (%s)%n", shipped.size(), reportLines.size() - 1, report);
    }

    static Map<String, Artifact> read(Path list) throws IOException {
        Map<String, Artifact> artifacts = new TreeMap<>();
        for (String line : Files.readAllLines(list)) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("The following") || s.equals("none")) {
                continue;
            }
            Artifact a = Artifact.parse(s);
            artifacts.put(a.key(), a);
        }
        if (artifacts.isEmpty()) {
            throw new IllegalArgumentException(list + " lists no artifacts");
        }
        return artifacts;
    }

    /** A class file in a jar, with the CRC-32 of its bytes from the jar's central directory. */
    private record ClassFile(String jar, long crc) {
    }

    /**
     * Class files that a shipped jar and one of Spark's jars both hold with different bytes, one line per pair of jars.
     * Byte-identical copies (e.g. the jsr305 annotations that ND4J's shaded guava bundles) are harmless and pass.
     */
    static List<String> duplicateClasses(List<Path> shipped, Path sparkJars) throws IOException {
        Map<String, ClassFile> sparkClasses = new TreeMap<>();
        try (Stream<Path> jars = Files.list(sparkJars)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                classes(jar).forEach((c, crc) -> sparkClasses.putIfAbsent(c, new ClassFile(jar.getFileName().toString(), crc)));
            }
        }
        List<String> clashes = new ArrayList<>();
        for (Path jar : shipped) {
            Map<String, Set<String>> bySparkJar = new TreeMap<>();
            classes(jar).forEach((c, crc) -> {
                ClassFile spark = sparkClasses.get(c);
                if (spark != null && spark.crc() != crc && !sameApi(c, spark.jar())) {
                    bySparkJar.computeIfAbsent(spark.jar(), k -> new TreeSet<>()).add(c);
                }
            });
            bySparkJar.forEach((owner, cs) -> clashes.add(jar.getFileName() + " and Spark's " + owner + " both hold " + cs.size()
                    + " classes, e.g. " + cs.iterator().next() + ": exclude ours"));
        }
        return clashes;
    }

    /**
     * The one accepted clash: ND4J's shaded guava bundles jsr305's annotation types (javax.annotation.CheckForNull, ...),
     * compiled apart from Spark's jsr305 3.0.0 jar but the same API; whichever copy loads, the annotations mean the same.
     */
    private static boolean sameApi(String classFile, String sparkJar) {
        return classFile.startsWith("javax/annotation/") && sparkJar.startsWith("jsr305-");
    }

    private static Map<String, Long> classes(Path jar) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Map<String, Long> classes = new TreeMap<>();
            zip.stream().filter(e -> e.getName().endsWith(".class") && !e.getName().endsWith("module-info.class")
                            && !e.getName().startsWith("META-INF/"))
                    .forEach(e -> classes.put(e.getName(), e.getCrc()));
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }

    /** Fills {@code outLib} with exactly {@code jars}: hard links where the file system allows them (no 300 MB copy). */
    private static void replaceWithLinks(List<Path> jars, Path outLib) throws IOException {
        if (Files.exists(outLib)) {
            try (Stream<Path> old = Files.list(outLib)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(outLib);
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: copy-dependencies should have put it there");
            }
            Path target = outLib.resolve(jar.getFileName());
            try {
                Files.createLink(target, jar);
            } catch (UnsupportedOperationException | IOException e) {
                if (e instanceof FileAlreadyExistsException) {
                    throw e;
                }
                Files.copy(jar, target);
            }
        }
    }
}
