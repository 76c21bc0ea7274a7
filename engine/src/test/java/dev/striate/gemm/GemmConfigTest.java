package dev.striate.gemm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where {@link GemmConfig#defaults()} takes its blocking from: built-in, tuning profile, system properties. */
class GemmConfigTest {

    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        for (String p : new String[] {"striate.tuning", "striate.gemm.kernel", "striate.gemm.mc", "striate.gemm.kc", "striate.gemm.nc"}) {
            System.clearProperty(p);
        }
    }

    @Test
    void aTuningProfileOverridesTheDefaultsAndSystemPropertiesOverrideTheProfile() throws IOException {
        GemmConfig builtIn = GemmConfig.defaults();
        Path profile = dir.resolve("striate-tuning.properties");
        Files.writeString(profile, "# written by tune\ngemm.kernel=2x4v\ngemm.kc=256\n");
        System.setProperty("striate.tuning", profile.toString());
        GemmConfig tuned = GemmConfig.defaults();
        assertEquals(2, tuned.mr());
        assertEquals(256, tuned.kc());
        assertEquals(builtIn.nc() - builtIn.nc() % tuned.nr(), tuned.nc(), "keys the profile leaves out keep their defaults");
        System.setProperty("striate.gemm.kc", "128");
        assertEquals(128, GemmConfig.defaults().kc(), "a system property wins over the profile");
    }

    @Test
    void anUnusableProfileIsReportedByName() throws IOException {
        System.setProperty("striate.tuning", dir.resolve("missing.properties").toString());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, GemmConfig::defaults);
        assertTrue(missing.getMessage().contains("missing.properties"), missing.getMessage());
        Path bad = dir.resolve("bad.properties");
        Files.writeString(bad, "gemm.mc=lots\n");
        System.setProperty("striate.tuning", bad.toString());
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class, GemmConfig::defaults);
        assertTrue(value.getMessage().contains("gemm.mc") && value.getMessage().contains("lots"), value.getMessage());
    }

    @Test
    void shallowProductsTakeColumnBlocksThatFitBesideOneBlockOfC() {
        for (String kernel : new String[] {"3x3v", "8x2v", "7x3v"}) {
            GemmConfig c = GemmConfig.of(kernel, 144, 1024, 4080);
            assertEquals(c.nc(), c.columnBlock(c.mc(), 512), kernel + ": a product as deep as MC keeps NC");
            assertEquals(c.nc(), c.columnBlock(5000, 512), kernel);
            for (int k : new int[] {1, 9, 49, 64, 128, c.mc() - 1}) {
                int block = c.columnBlock(k, 512);
                assertTrue(block % c.nr() == 0 && block <= c.nc(), kernel + " k=" + k + ": " + block);
                assertTrue((long) (k + c.mc()) * block <= GemmConfig.SHALLOW_BLOCK_FLOATS, kernel + " k=" + k + ": " + block);
                assertTrue((long) (k + c.mc()) * (block + c.nr()) > GemmConfig.SHALLOW_BLOCK_FLOATS || block == c.nc(),
                        kernel + " k=" + k + ": as wide as fits");
            }
        }
        GemmConfig narrow = GemmConfig.of("8x2v", 144, 1024, 64);
        assertEquals(64, narrow.columnBlock(49, 512), "never wider than NC");
        GemmConfig usual = GemmConfig.of("8x2v", 144, 1024, 4080);
        assertEquals(usual.nc(), usual.columnBlock(25, 6), "six rows of C and 25 deep: a block of C that small leaves NC whole");
        assertTrue(usual.columnBlock(25, 6) > usual.columnBlock(25, 144), "fewer rows of C, wider blocks");
        GemmConfig tall = GemmConfig.of("8x2v", 1 << 20, 1024, 4080);
        assertEquals(tall.nr(), tall.columnBlock(49, 1 << 20), "at least one panel, however little fits");
    }
}
