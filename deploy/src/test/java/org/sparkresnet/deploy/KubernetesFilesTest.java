package org.sparkresnet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.Config;
import org.apache.spark.deploy.k8s.Constants;
import org.apache.spark.deploy.k8s.KubernetesConf;
import org.apache.spark.deploy.k8s.KubernetesDriverSpec;
import org.apache.spark.deploy.k8s.KubernetesExecutorSpec;
import org.apache.spark.deploy.k8s.KubernetesUtils;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.deploy.k8s.submit.JavaMainAppResource;
import org.apache.spark.deploy.k8s.submit.KubernetesDriverBuilder;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfile$;
import org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBuilder;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.spark.ExecutorMemory;
import org.sparkresnet.runtime.JvmFlags;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Validates conf/kubernetes/ offline, with the code Spark 3.5 itself runs: no Docker, no Kubernetes API server.
 * The files are read as Maven filtered them into target/conf/kubernetes/ (the distribution's conf/kubernetes/).
 * Pod templates are loaded by Spark's KubernetesUtils.loadPodFromTemplate (fabric8's client, as spark-submit does), and
 * then the driver and executor pods are built from spark-defaults*.conf by Spark's own KubernetesDriverBuilder and
 * KubernetesExecutorBuilder: what a cluster would be asked to create, short of sending it.
 */
class KubernetesFilesTest {
    private static final Path TARGET = Path.of(System.getProperty("basedir", "."), "target").toAbsolutePath();
    private static final Path CONF = TARGET.resolve("conf");
    private static final Path K8S = CONF.resolve("kubernetes");
    /** Where the Dockerfile puts the distribution in the image. */
    private static final String IMAGE_HOME = "/opt/spark-resnet/";
    private static final String RESNET_HOME_REF = "${env:RESNET_HOME}/";
    private static final String DRIVER_CONTAINER = "spark-kubernetes-driver";
    private static final String EXECUTOR_CONTAINER = "spark-kubernetes-executor";
    private static final String GPU = "nvidia.com/gpu";
    private static final String CPU_DEFAULTS = "spark-defaults.conf";
    private static final String GPU_DEFAULTS = "spark-defaults-gpu.conf";
    private static final String MAXBYTES = "-Dorg.bytedeco.javacpp.maxbytes=";
    private static final String CACHEDIR = "-Dorg.bytedeco.javacpp.cachedir=";

    private static KubernetesClient client;

    @BeforeAll
    static void client() {
        assertTrue(Files.isDirectory(K8S), K8S + " is missing: Maven's process-resources filters src/main/conf into target/conf");
        // never connects: loading templates and building pods are local operations
        client = new KubernetesClientBuilder().withConfig(io.fabric8.kubernetes.client.Config.empty()).build();
    }

    @AfterAll
    static void close() {
        client.close();
    }

    // ---- pod templates, parsed by Spark's own loader ----

    @Test
    void podTemplatesLoadWithSparksLoaderIntoTheContainersSparkSelects() throws Exception {
        Map<String, String> templates = Map.of(
                "driver-pod-template.yaml", DRIVER_CONTAINER,
                "executor-pod-template.yaml", EXECUTOR_CONTAINER,
                "executor-gpu-pod-template.yaml", EXECUTOR_CONTAINER);
        Set<String> inFolder;
        try (Stream<Path> files = Files.list(K8S)) {
            inFolder = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-pod-template.yaml")).collect(Collectors.toSet());
        }
        assertEquals(templates.keySet(), inFolder, "pod templates in " + K8S);
        for (Map.Entry<String, String> t : templates.entrySet()) {
            SparkPod loaded = load(t.getKey(), t.getValue());
            // Spark falls back to the first container (with a warning only) when the named one is missing
            assertEquals(t.getValue(), loaded.container().getName(), t.getKey() + ": the container Spark takes");
            assertTrue(loaded.pod().getSpec().getContainers().isEmpty(), t.getKey() + ": no containers besides Spark's");
            assertNoUnknownFields(loaded.pod(), t.getKey());
            assertNoUnknownFields(loaded.container(), t.getKey());
            assertSharedMemory(loaded.pod(), loaded.container(), t.getKey());
            assertPodIpEnv(loaded.container(), t.getKey());
            assertEquals(185L, loaded.pod().getSpec().getSecurityContext().getRunAsUser(), t.getKey() + ": the Spark image's user");
        }
        Container cpu = load("executor-pod-template.yaml", EXECUTOR_CONTAINER).container();
        assertTrue(cpu.getResources() == null || cpu.getResources().getLimits() == null || !cpu.getResources().getLimits().containsKey(GPU),
                "CPU executors ask for no GPU");
        SparkPod gpu = load("executor-gpu-pod-template.yaml", EXECUTOR_CONTAINER);
        assertEquals(new Quantity("1"), gpu.container().getResources().getLimits().get(GPU), "GPU executor template: one GPU");
        assertTrue(gpu.pod().getSpec().getTolerations().stream()
                        .anyMatch(tol -> GPU.equals(tol.getKey()) && "Exists".equals(tol.getOperator()) && "NoSchedule".equals(tol.getEffect())),
                "GPU executors tolerate the GPU nodes' nvidia.com/gpu taint");
        assertFalse(gpu.pod().getSpec().getNodeSelector().isEmpty(), "GPU executors carry an example node selector");
        assertTrue(env(gpu.container()).getOrDefault("NVIDIA_DRIVER_CAPABILITIES", "").contains("utility"),
                "nvidia-smi (for the discovery script) is mounted only with the 'utility' capability");
    }

    @Test
    void podTemplateLoaderRejectsABrokenTemplate(@TempDir Path dir) throws IOException {
        // the loader used above does fail on what is not a pod: the checks are not vacuous
        Path broken = Files.writeString(dir.resolve("broken.yaml"), "apiVersion: v1\nkind: Pod\nspec:\n  containers: {name: [\n");
        try {
            KubernetesUtils.loadPodFromTemplate(client, broken.toString(), Option.apply(EXECUTOR_CONTAINER), new SparkConf(false));
            fail("Spark loaded a broken template");
        } catch (Exception e) {
            assertTrue(String.valueOf(e.getMessage()).contains("Could not load pod from template file"), e.toString());
        }
        Pod typo = Serialization.unmarshal("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: x\n      volumeMount: []\n", Pod.class);
        try {
            assertNoUnknownFields(typo, "typo");
            fail("a misspelt field went unnoticed");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage().contains("volumeMount"), expected.getMessage());
        }
    }

    // ---- the pods Spark builds from spark-defaults*.conf ----

    @Test
    void sparkBuildsTheDriverPodAndItsExecutorTemplateConfigMapFromTheDefaults() throws Exception {
        for (String defaults : List.of(CPU_DEFAULTS, GPU_DEFAULTS)) {
            SparkConf conf = resolvedConf(defaults);
            String appId = KubernetesConf.getKubernetesAppId();
            String appJar = "local://" + IMAGE_HOME + "lib/jobs-0.1.0-SNAPSHOT.jar";
            KubernetesDriverSpec spec = new KubernetesDriverBuilder().buildFromFeatures(
                    KubernetesConf.createDriverConf(conf, appId, new JavaMainAppResource(Option.apply(appJar)),
                            "org.sparkresnet.jobs.cli.Main", new String[] {"train", "--mode", "sharing"}, Option.empty()),
                    client);
            Pod pod = spec.pod().pod();
            Container driver = spec.pod().container();
            assertEquals(DRIVER_CONTAINER, driver.getName(), defaults);
            assertEquals(conf.get("spark.kubernetes.container.image"), driver.getImage(), defaults);
            assertEquals(conf.get("spark.kubernetes.authenticate.driver.serviceAccountName"), pod.getSpec().getServiceAccountName(), defaults);
            long podMb = conf.getSizeAsMb("spark.driver.memory") + conf.getSizeAsMb("spark.driver.memoryOverhead");
            assertEquals(new Quantity(podMb + "Mi"), driver.getResources().getLimits().get("memory"), defaults + ": driver pod memory");
            assertSharedMemory(pod, driver, defaults + " driver");
            assertPodIpEnv(driver, defaults + " driver");
            assertTrue(driver.getArgs().contains(appJar), "the driver runs the image's application jar: " + driver.getArgs());

            // the executor template goes to the driver pod in a config map, and the driver is told where it is mounted
            String executorTemplate = Files.readString(Path.of(conf.get(Config.KUBERNETES_EXECUTOR_PODTEMPLATE_FILE()).get()));
            List<HasMetadata> resources = JavaConverters.seqAsJavaList(spec.driverKubernetesResources());
            assertTrue(resources.stream().anyMatch(r -> r instanceof ConfigMap cm
                            && executorTemplate.equals(cm.getData().get(Constants.POD_TEMPLATE_KEY()))),
                    defaults + ": the executor template travels in a config map");
            Map<String, String> driverProperties = JavaConverters.mapAsJavaMap(spec.systemProperties());
            assertEquals(Constants.EXECUTOR_POD_SPEC_TEMPLATE_MOUNTPATH() + "/" + Constants.EXECUTOR_POD_SPEC_TEMPLATE_FILE_NAME(),
                    driverProperties.get(Config.KUBERNETES_EXECUTOR_PODTEMPLATE_FILE().key()), defaults);
            List<String> driverOptions = tokens(driverProperties.get("spark.driver.defaultJavaOptions"));
            assertTrue(startsWith(driverOptions, JvmFlags.asList()), defaults + ": the driver JVM gets the project's flags: " + driverOptions);
        }
    }

    @Test
    void sparkBuildsCpuExecutorPodsWithTheFlagsJarsAndMemoryTheJobNeeds() throws Exception {
        SparkPod executor = executorPod(CPU_DEFAULTS);
        Container c = executor.container();
        assertEquals(new Quantity("4"), c.getResources().getRequests().get("cpu"));
        assertFalse(c.getResources().getLimits().containsKey(GPU), "CPU executors ask for no GPU");
    }

    @Test
    void sparkBuildsGpuExecutorPodsWithOneGpuEach() throws Exception {
        SparkPod executor = executorPod(GPU_DEFAULTS);
        Container c = executor.container();
        assertEquals(new Quantity("1"), c.getResources().getLimits().get(GPU), "Spark's GPU limit, merged with the template's");
        assertEquals(new Quantity("2"), c.getResources().getRequests().get("cpu"));
        List<Toleration> tolerations = executor.pod().getSpec().getTolerations();
        assertTrue(tolerations.stream().anyMatch(t -> GPU.equals(t.getKey())), "the template's toleration survives Spark's steps");
        assertFalse(executor.pod().getSpec().getNodeSelector().isEmpty(), "the template's node selector survives Spark's steps");
        SparkConf conf = resolvedConf(GPU_DEFAULTS);
        try {
            ResourceProfile profile = ResourceProfile$.MODULE$.reInitDefaultProfile(conf);
            assertEquals(1, profile.maxTasksPerExecutor(conf), "one training task per GPU executor");
        } finally {
            ResourceProfile$.MODULE$.clearDefaultProfile();
        }
    }

    /** Builds executor 1's pod as the driver would, after the job's own executor-memory policy ran on the conf. */
    private SparkPod executorPod(String defaults) throws Exception {
        SparkConf conf = resolvedConf(defaults)
                .set("spark.master", "k8s://https://kubernetes.default.svc")
                .set("spark.app.id", "spark-application-1")
                .set("spark.driver.host", "spark-resnet-driver-svc.spark-resnet.svc")
                .set("spark.driver.port", "7078");
        ExecutorMemory.apply(conf); // what SparkContexts.conf does in the driver before the context starts
        ResourceProfile profile = ResourceProfile$.MODULE$.reInitDefaultProfile(conf);
        try {
            KubernetesExecutorSpec spec = new KubernetesExecutorBuilder().buildFromFeatures(
                    KubernetesConf.createExecutorConf(conf, "1", "spark-application-1", Option.empty(), profile.id()),
                    new SecurityManager(conf, Option.empty(), SecurityManager.$lessinit$greater$default$3()), client, profile);
            SparkPod executor = spec.pod();
            Container c = executor.container();
            assertEquals(EXECUTOR_CONTAINER, c.getName(), defaults);
            assertEquals(conf.get("spark.kubernetes.container.image"), c.getImage(), defaults);
            long heapMb = conf.getSizeAsMb("spark.executor.memory");
            long podMb = heapMb + conf.getSizeAsMb("spark.executor.memoryOverhead");
            assertEquals(new Quantity(podMb + "Mi"), c.getResources().getLimits().get("memory"), defaults + ": executor pod memory");
            assertSharedMemory(executor.pod(), c, defaults + " executor");
            assertPodIpEnv(c, defaults + " executor");

            Map<String, String> env = env(c);
            assertEquals(IMAGE_HOME + "lib/*", env.get(Constants.ENV_CLASSPATH()), defaults + ": the distribution's jars from the image");
            List<String> javaOptions = env.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(Constants.ENV_JAVA_OPT_PREFIX()))
                    .sorted((a, b) -> Integer.compare(optIndex(a.getKey()), optIndex(b.getKey())))
                    .map(Map.Entry::getValue).toList();
            assertTrue(startsWith(javaOptions, JvmFlags.asList()), defaults + ": executors get the project's flags first: " + javaOptions);
            String maxbytes = javaOptions.stream().filter(o -> o.startsWith(MAXBYTES)).reduce((a, b) -> b).orElse(null);
            assertEquals(MAXBYTES + conf.getSizeAsMb(ExecutorMemory.OFF_HEAP_KEY) + "m", maxbytes,
                    defaults + ": the executors' ND4J cap is " + ExecutorMemory.OFF_HEAP_KEY + " (the last -D wins)");
            assertTrue(javaOptions.contains(CACHEDIR + IMAGE_HOME + "javacpp-cache"), defaults + ": JavaCPP's cache in the image");
            return executor;
        } finally {
            ResourceProfile$.MODULE$.clearDefaultProfile();
        }
    }

    // ---- spark-defaults*.conf ----

    @Test
    void defaultsNameOnlyFilesThatExistAndCarryTheProjectsFlags() throws IOException {
        String jvmFlags = Files.readString(CONF.resolve("jvm-flags")).trim();
        assertEquals(JvmFlags.asString(), jvmFlags, "conf/jvm-flags and the model jar's flags");
        Set<String> imageDirs = dockerfileImagePaths();
        for (String defaults : List.of(CPU_DEFAULTS, GPU_DEFAULTS)) {
            Map<String, String> props = properties(defaults);
            for (Map.Entry<String, String> e : props.entrySet()) {
                assertTrue(e.getKey().startsWith("spark."), defaults + ": spark-submit ignores " + e.getKey());
                assertFalse(e.getValue().contains("${") && !e.getValue().contains(RESNET_HOME_REF),
                        defaults + ": " + e.getKey() + " was not filtered by Maven: " + e.getValue());
                if (e.getValue().startsWith(RESNET_HOME_REF)) {
                    Path file = TARGET.resolve(e.getValue().substring(RESNET_HOME_REF.length()));
                    assertTrue(Files.isRegularFile(file), defaults + ": " + e.getKey() + " names " + file + ", which the distribution lacks");
                }
                for (String token : tokens(e.getValue())) {
                    String path = token.contains("=") ? token.substring(token.indexOf('=') + 1) : token;
                    if (path.startsWith(IMAGE_HOME)) {
                        assertInImage(path, imageDirs, defaults + ": " + e.getKey());
                    }
                }
            }
            List<String> executorOptions = tokens(props.get("spark.executor.defaultJavaOptions"));
            List<String> driverOptions = tokens(props.get("spark.driver.defaultJavaOptions"));
            List<String> flags = JvmFlags.asList();
            assertEquals(flags, executorOptions.subList(0, Math.min(flags.size(), executorOptions.size())), defaults + ": executor flags");
            assertEquals(flags, driverOptions.subList(0, Math.min(flags.size(), driverOptions.size())), defaults + ": driver flags");
            assertEquals(List.of(CACHEDIR + IMAGE_HOME + "javacpp-cache"), executorOptions.subList(flags.size(), executorOptions.size()),
                    defaults + ": executors' options beyond the project's flags (their maxbytes comes from " + ExecutorMemory.OFF_HEAP_KEY + ")");
            assertTrue(driverOptions.stream().anyMatch(o -> o.startsWith(MAXBYTES)), defaults + ": the driver's ND4J cap");

            // memory: the overhead holds ND4J's cap, the JVM's own non-heap memory and Aeron's /dev/shm (memory-backed)
            SparkConf conf = new SparkConf(false).setAll(JavaConverters.mapAsScalaMap(props));
            long shmMb = sharedMemoryLimitMb(props.get(Config.KUBERNETES_EXECUTOR_PODTEMPLATE_FILE().key()));
            long heapMb = conf.getSizeAsMb("spark.executor.memory");
            long needMb = conf.getSizeAsMb(ExecutorMemory.OFF_HEAP_KEY) + Math.max(384, heapMb / 10) + shmMb;
            assertTrue(conf.getSizeAsMb("spark.executor.memoryOverhead") >= needMb,
                    defaults + ": spark.executor.memoryOverhead must hold off-heap cap + JVM non-heap + /dev/shm = " + needMb + " MiB");
            long driverHeapMb = conf.getSizeAsMb("spark.driver.memory");
            long driverShmMb = sharedMemoryLimitMb(props.get(Config.KUBERNETES_DRIVER_PODTEMPLATE_FILE().key()));
            String driverCap = driverOptions.stream().filter(o -> o.startsWith(MAXBYTES)).reduce((a, b) -> b).orElseThrow();
            long driverNeedMb = sizeMb(driverCap.substring(MAXBYTES.length())) + Math.max(384, driverHeapMb / 10) + driverShmMb;
            assertTrue(conf.getSizeAsMb("spark.driver.memoryOverhead") >= driverNeedMb,
                    defaults + ": spark.driver.memoryOverhead must hold " + driverNeedMb + " MiB");
            // and the job's own policy accepts it where containers have hard limits
            SparkConf k8s = conf.clone().set("spark.master", "k8s://https://kubernetes.default.svc");
            ExecutorMemory.apply(k8s);
            assertEquals(conf.get("spark.executor.memoryOverhead"), k8s.get("spark.executor.memoryOverhead"));
        }

        // the GPU variant differs from the CPU one only where it should
        Map<String, String> cpu = properties(CPU_DEFAULTS);
        Map<String, String> gpu = properties(GPU_DEFAULTS);
        Set<String> differing = new TreeSet<>();
        for (String key : union(cpu.keySet(), gpu.keySet())) {
            if (!String.valueOf(cpu.get(key)).equals(String.valueOf(gpu.get(key)))) {
                differing.add(key);
            }
        }
        assertEquals(new TreeSet<>(List.of("spark.executor.cores", "spark.kubernetes.executor.podTemplateFile",
                "spark.executor.resource.gpu.amount", "spark.executor.resource.gpu.vendor", "spark.executor.resource.gpu.discoveryScript",
                "spark.task.resource.gpu.amount", "spark.task.cpus")), differing);
        assertEquals("nvidia.com", gpu.get("spark.executor.resource.gpu.vendor"));
        assertEquals("1", gpu.get("spark.executor.resource.gpu.amount"));
    }

    @Test
    void sparkSubstitutesResnetHomeInTheTemplatePaths() throws IOException {
        for (String defaults : List.of(CPU_DEFAULTS, GPU_DEFAULTS)) {
            SparkConf conf = withResnetHome(defaults, TARGET.toString());
            String driver = conf.get(Config.KUBERNETES_DRIVER_PODTEMPLATE_FILE()).get();
            String executor = conf.get(Config.KUBERNETES_EXECUTOR_PODTEMPLATE_FILE()).get();
            assertEquals(K8S.resolve("driver-pod-template.yaml").toString(), driver, defaults);
            assertTrue(Files.isRegularFile(Path.of(executor)), defaults + ": " + executor);
            assertTrue(executor.startsWith(K8S.toString()), defaults + ": " + executor);
        }
    }

    // ---- RBAC ----

    @Test
    void rbacGrantsTheDriversServiceAccountWhatSpark35sDriverDoes() throws IOException {
        List<HasMetadata> objects = yamlObjects(K8S.resolve("rbac.yaml"));
        Map<String, String> props = properties(CPU_DEFAULTS);
        String namespace = props.get("spark.kubernetes.namespace");
        String account = props.get("spark.kubernetes.authenticate.driver.serviceAccountName");
        assertNotNull(namespace);
        assertNotNull(account);
        for (HasMetadata o : objects) {
            assertNoUnknownFields(o, "rbac.yaml " + o.getKind());
            if (!(o instanceof Namespace)) {
                assertEquals(namespace, o.getMetadata().getNamespace(), "rbac.yaml " + o.getKind() + " " + o.getMetadata().getName());
            }
        }
        assertTrue(objects.stream().anyMatch(o -> o instanceof Namespace && namespace.equals(o.getMetadata().getName())), "the namespace");
        assertTrue(objects.stream().anyMatch(o -> o instanceof ServiceAccount && account.equals(o.getMetadata().getName())), "the service account");
        Role role = only(objects, Role.class);
        RoleBinding binding = only(objects, RoleBinding.class);
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals("rbac.authorization.k8s.io", binding.getRoleRef().getApiGroup());
        assertTrue(binding.getSubjects().stream().anyMatch(s -> "ServiceAccount".equals(s.getKind()) && account.equals(s.getName())
                && namespace.equals(s.getNamespace())), "the binding names the driver's service account");

        // What Spark 3.5's driver does in its namespace (spark-kubernetes scheduler/cluster/k8s):
        // ExecutorPodsAllocator creates, gets and deletes executor pods, lists and creates PVCs;
        // ExecutorPodsWatchSnapshotSource watches and ExecutorPodsPollingSnapshotSource lists pods;
        // ExecutorPodsLifecycleManager and KubernetesClusterSchedulerBackend edit (get + patch) and delete pods;
        // KubernetesClusterSchedulerBackend creates the executors' config map and, at stop, deletes services, PVCs,
        // config maps and pods selected by label (a collection delete).
        Map<String, Set<String>> needed = new LinkedHashMap<>();
        needed.put("pods", Set.of("create", "get", "list", "watch", "patch", "delete", "deletecollection"));
        needed.put("configmaps", Set.of("create", "list", "delete", "deletecollection"));
        needed.put("services", Set.of("list", "delete", "deletecollection"));
        needed.put("persistentvolumeclaims", Set.of("create", "get", "list", "delete", "deletecollection"));
        for (Map.Entry<String, Set<String>> n : needed.entrySet()) {
            Set<String> granted = new HashSet<>();
            for (PolicyRule rule : role.getRules()) {
                if (rule.getApiGroups().contains("") && (rule.getResources().contains(n.getKey()) || rule.getResources().contains("*"))) {
                    granted.addAll(rule.getVerbs());
                }
            }
            if (!granted.contains("*")) {
                Set<String> missing = new TreeSet<>(n.getValue());
                missing.removeAll(granted);
                assertTrue(missing.isEmpty(), "the driver's Role lacks " + missing + " on " + n.getKey());
            }
        }
    }

    // ---- Dockerfile ----

    @Test
    void dockerfileBuildsOnSpark35Java17AndCopiesWhatTheDistributionHas() throws Exception {
        List<String[]> instructions = dockerfile();
        Map<String, String> args = new LinkedHashMap<>();
        String from = null;
        List<String[]> copies = new ArrayList<>();
        for (String[] in : instructions) {
            switch (in[0]) {
                case "ARG" -> {
                    String[] kv = in[1].split("=", 2);
                    args.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
                case "FROM" -> {
                    assertTrue(from == null, "one stage");
                    from = substitute(in[1], args);
                }
                case "COPY" -> copies.add(in[1].split("\\s+"));
                default -> { }
            }
        }
        assertNotNull(from, "FROM");
        assertTrue(from.matches("apache/spark:3\\.5\\.\\d+-scala2\\.12-java17-ubuntu"), "a Spark 3.5, Scala 2.12, Java 17 image: " + from);

        Set<String> layout = distributionTopFolders();
        Path assembled = assembledDistribution();
        Set<String> sources = new TreeSet<>();
        for (String[] copy : copies) {
            List<String> parts = Stream.of(copy).filter(p -> !p.startsWith("--")).toList();
            assertEquals(2, parts.size(), "COPY source destination: " + String.join(" ", copy));
            String source = parts.get(0).replaceAll("/+$", "");
            sources.add(source);
            assertTrue(layout.contains(source), "COPY " + source + ": the distribution has only " + layout);
            assertEquals(IMAGE_HOME + source + "/", parts.get(1), "COPY " + source);
            if (source.equals("conf")) {
                assertTrue(Files.isDirectory(CONF), "conf/ as the build makes it");
            }
            if (assembled != null) {
                assertTrue(Files.isDirectory(assembled.resolve(source)), assembled + " lacks " + source);
            }
        }
        assertEquals(Set.of("conf", "lib"), sources, "the image gets lib/ and conf/");
        String text = Files.readString(K8S.resolve("Dockerfile"));
        assertTrue(text.contains(CACHEDIR + IMAGE_HOME + "javacpp-cache"), "the build-time native check fills the cache the pods use");
        assertTrue(text.contains("org.sparkresnet.jobs.cli.Main"), "the build-time native check runs the job's entry point");
    }

    // ---- GPU discovery ----

    @Test
    void gpuDiscoveryScriptPrintsWhatSparkParses(@TempDir Path dir) throws Exception {
        Path script = K8S.resolve("gpu-discovery.sh");
        Path fakeBin = Files.createDirectories(dir.resolve("bin"));
        Path smi = Files.writeString(fakeBin.resolve("nvidia-smi"),
                "#!/bin/sh\n[ \"$*\" = \"--query-gpu=index --format=csv,noheader\" ] || exit 9\nprintf '0\\n1\\n'\n");
        assertTrue(smi.toFile().setExecutable(true));
        ResourceInformation two = ResourceInformation.parseJson(run(script, fakeBin + ":/usr/bin:/bin"));
        assertEquals("gpu", two.name());
        assertEquals(List.of("0", "1"), List.of(two.addresses()));

        // without nvidia-smi it counts the GPU device files (none on this machine)
        Path noSmi = Files.createDirectories(dir.resolve("empty"));
        long devices;
        try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
            devices = dev.filter(p -> p.getFileName().toString().matches("nvidia\\d+")).count();
        }
        String path = Files.exists(Path.of("/usr/bin/nvidia-smi")) ? null : noSmi + ":/usr/bin:/bin";
        if (path != null) {
            ResourceInformation none = ResourceInformation.parseJson(run(script, path));
            assertEquals("gpu", none.name());
            assertEquals(devices, none.addresses().length);
        }
    }

    // ---- helpers ----

    private static SparkPod load(String template, String container) {
        return KubernetesUtils.loadPodFromTemplate(client, K8S.resolve(template).toString(), Option.apply(container), new SparkConf(false));
    }

    private static void assertSharedMemory(Pod pod, Container container, String what) {
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> "/dev/shm".equals(m.getMountPath())).findFirst()
                .orElseThrow(() -> new AssertionError(what + ": no /dev/shm mount for Aeron's media driver"));
        Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(what + ": no volume " + mount.getName()));
        assertNotNull(volume.getEmptyDir(), what + ": /dev/shm is an emptyDir");
        assertEquals("Memory", volume.getEmptyDir().getMedium(), what + ": /dev/shm is memory-backed");
        assertNotNull(volume.getEmptyDir().getSizeLimit(), what + ": /dev/shm has a size limit (it counts in the pod's memory)");
    }

    private static void assertPodIpEnv(Container container, String what) {
        EnvVar ip = container.getEnv().stream().filter(e -> "DL4J_VOID_IP".equals(e.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(what + ": DL4J_VOID_IP (gradient sharing's Aeron address) is not set"));
        assertEquals("status.podIP", ip.getValueFrom().getFieldRef().getFieldPath(), what);
    }

    /** Fails on any field fabric8 did not know (a typo the API server would reject or silently drop). */
    static void assertNoUnknownFields(Object o, String where) {
        walk(o, where, 0);
    }

    private static void walk(Object o, String path, int depth) {
        if (o == null || depth > 40) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", depth + 1);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "." + e.getKey(), depth + 1);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(m.toString(), e);
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    throw new AssertionError(path + ": unknown fields " + extra.keySet() + " in " + o.getClass().getSimpleName());
                }
            } else {
                walk(value, path + "." + m.getName().substring(3), depth + 1);
            }
        }
    }

    private static Map<String, String> env(Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            env.put(e.getName(), e.getValue());
        }
        return env;
    }

    private static int optIndex(String key) {
        return Integer.parseInt(key.substring(Constants.ENV_JAVA_OPT_PREFIX().length()));
    }

    private static boolean startsWith(List<String> list, List<String> prefix) {
        return list.size() >= prefix.size() && list.subList(0, prefix.size()).equals(prefix);
    }

    private static List<String> tokens(String s) {
        return s == null || s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    /** The properties file as spark-submit reads it (Spark's own loader). */
    private static Map<String, String> properties(String name) {
        Path file = K8S.resolve(name);
        assertTrue(Files.isRegularFile(file), file.toString());
        return new LinkedHashMap<>(JavaConverters.mapAsJavaMap(Utils.getPropertiesFromFile(file.toString())));
    }

    /** A conf as spark-submit builds it from the properties file, with RESNET_HOME in the environment. */
    private static SparkConf withResnetHome(String defaults, String resnetHome) {
        SparkConf conf = new SparkConf(false) {
            @Override
            public String getenv(String name) {
                return "RESNET_HOME".equals(name) ? resnetHome : super.getenv(name);
            }
        };
        return conf.setAll(JavaConverters.mapAsScalaMap(properties(defaults)));
    }

    /**
     * The conf with the template paths as Spark resolves them for RESNET_HOME = the build's target/ (whose conf/ is the
     * distribution's); set explicitly because Spark's builders work on clones of the conf, which read the real environment.
     */
    private static SparkConf resolvedConf(String defaults) {
        SparkConf withHome = withResnetHome(defaults, TARGET.toString());
        SparkConf conf = new SparkConf(false).setAll(JavaConverters.mapAsScalaMap(properties(defaults)));
        conf.set(Config.KUBERNETES_DRIVER_PODTEMPLATE_FILE().key(), withHome.get(Config.KUBERNETES_DRIVER_PODTEMPLATE_FILE()).get());
        conf.set(Config.KUBERNETES_EXECUTOR_PODTEMPLATE_FILE().key(), withHome.get(Config.KUBERNETES_EXECUTOR_PODTEMPLATE_FILE()).get());
        return conf.set("spark.app.name", "spark-resnet-train");
    }

    private static long sharedMemoryLimitMb(String templateRef) {
        Pod pod = load(templateRef.substring(RESNET_HOME_REF.length() + "conf/kubernetes/".length()),
                templateRef.contains("driver") ? DRIVER_CONTAINER : EXECUTOR_CONTAINER).pod();
        Quantity limit = pod.getSpec().getVolumes().stream().filter(v -> v.getEmptyDir() != null && "Memory".equals(v.getEmptyDir().getMedium()))
                .map(v -> v.getEmptyDir().getSizeLimit()).findFirst().orElseThrow();
        return Quantity.getAmountInBytes(limit).divide(BigDecimal.valueOf(1024L * 1024)).longValueExact();
    }

    private static long sizeMb(String javacppSize) {
        return new SparkConf(false).set("x", javacppSize).getSizeAsMb("x");
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    @SuppressWarnings("unchecked")
    private static List<HasMetadata> yamlObjects(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Object parsed = Serialization.unmarshal(in);
            if (parsed instanceof KubernetesList list) {
                return list.getItems();
            }
            if (parsed instanceof List<?> list) {
                return (List<HasMetadata>) list;
            }
            return List.of((HasMetadata) parsed);
        }
    }

    private static <T> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), "one " + type.getSimpleName());
        return found.get(0);
    }

    /** The Dockerfile's instructions, continuation lines joined and comments dropped: {INSTRUCTION, arguments}. */
    private static List<String[]> dockerfile() throws IOException {
        List<String[]> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(K8S.resolve("Dockerfile"))) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            String joined = current.toString().strip();
            current.setLength(0);
            if (!joined.isEmpty()) {
                String[] parts = joined.split("\\s+", 2);
                instructions.add(new String[] {parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""});
            }
        }
        return instructions;
    }

    /** Paths under /opt/spark-resnet that the Dockerfile puts into the image: COPY destinations and directories it makes. */
    private static Set<String> dockerfileImagePaths() throws IOException {
        Set<String> paths = new TreeSet<>();
        for (String[] in : dockerfile()) {
            Matcher m = Pattern.compile(Pattern.quote(IMAGE_HOME) + "[A-Za-z0-9._/-]*").matcher(in[1]);
            if (in[0].equals("COPY") || (in[0].equals("RUN") && in[1].contains("mkdir"))) {
                while (m.find()) {
                    paths.add(m.group().replaceAll("/+$", ""));
                }
            }
        }
        return paths;
    }

    /** A path in the image: under a folder the Dockerfile copies or makes, and for conf/ a file the distribution has. */
    private static void assertInImage(String imagePath, Set<String> imageDirs, String what) {
        String p = imagePath.endsWith("/*") ? imagePath.substring(0, imagePath.length() - 2) : imagePath;
        assertTrue(imageDirs.stream().anyMatch(d -> p.equals(d) || p.startsWith(d + "/")),
                what + ": " + imagePath + " is not in the image (the Dockerfile makes " + imageDirs + ")");
        String relative = p.substring(IMAGE_HOME.length());
        if (relative.startsWith("conf/")) {
            assertTrue(Files.isRegularFile(TARGET.resolve(relative)), what + ": " + imagePath + " has no " + relative + " in the distribution");
        }
    }

    /** The distribution's top folders, from the assembly descriptor that makes it. */
    private static Set<String> distributionTopFolders() throws Exception {
        Path descriptor = TARGET.getParent().resolve("src/assembly/dist.xml");
        assertTrue(Files.isRegularFile(descriptor), descriptor.toString());
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(descriptor.toFile());
        NodeList outputs = doc.getElementsByTagName("outputDirectory");
        Set<String> folders = new TreeSet<>();
        for (int i = 0; i < outputs.getLength(); i++) {
            folders.add(((Element) outputs.item(i)).getTextContent().trim().replaceAll("/+$", "").split("/")[0]);
        }
        return folders;
    }

    /** The assembled distribution folder when `mvn package` made it (target/spark-resnet-V-dist/spark-resnet-V/), else null. */
    private static Path assembledDistribution() throws IOException {
        try (Stream<Path> s = Files.list(TARGET)) {
            Path dist = s.filter(p -> p.getFileName().toString().matches("spark-resnet-.*-dist") && Files.isDirectory(p)).findFirst().orElse(null);
            if (dist == null) {
                return null;
            }
            try (Stream<Path> inner = Files.list(dist)) {
                return inner.filter(Files::isDirectory).findFirst().orElse(null);
            }
        }
    }

    private static String substitute(String s, Map<String, String> args) {
        Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)").matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            assertTrue(args.containsKey(name), "FROM uses $" + name + " without an ARG default");
            m.appendReplacement(out, Matcher.quoteReplacement(args.get(name)));
        }
        return m.appendTail(out).toString();
    }

    private static String run(Path script, String path) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", path);
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "gpu-discovery.sh ran past 30 s");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), "gpu-discovery.sh: " + out);
        return out;
    }
}
