package dev.striate.simd;

/**
 * Checks, before any kernel class is loaded, that the JVM can run the Vector API.
 *
 * <p>The Vector API lives in the incubator module {@code jdk.incubator.vector}, which the JVM only
 * resolves when started with {@code --add-modules jdk.incubator.vector}. Without the flag, the first
 * kernel to touch {@code FloatVector} would die with a {@link NoClassDefFoundError} from deep inside
 * the engine; every public entry point calls {@link #require()} first so the user gets one message
 * that names the flag. This class itself never references the incubator module.
 *
 * <p>Thread-safety: stateless after class initialization; safe from any thread.
 */
public final class VectorSupport {

    /** The JVM option that makes the Vector API available. */
    public static final String JVM_FLAG = "--add-modules jdk.incubator.vector";

    private static final boolean AVAILABLE =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorSupport() {
    }

    /** Whether {@code jdk.incubator.vector} is resolved in this JVM. */
    public static boolean isAvailable() {
        return AVAILABLE;
    }

    /**
     * Returns normally when the Vector API is usable.
     *
     * @throws UnsupportedOperationException naming the missing JVM flag otherwise
     */
    public static void require() {
        if (!AVAILABLE) {
            throw new UnsupportedOperationException(
                    "Striate needs the Java Vector API, which this JVM was started without: add '"
                            + JVM_FLAG + "' to the java command line (JDK 25 or newer; running on "
                            + Runtime.version() + ")");
        }
    }
}
