package dev.striate.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SuiteOptionsTest {

    private static final String USAGE = "./striate bench conv [--layers a,b] [--threads 1,2] [--quick]";

    @Test
    void optionsTheUsageNamesAreParsed() {
        Map<String, String> opt = SuiteOptions.parseKnown(new String[] {"--threads", "2", "--quick"}, Set.of("quick"), USAGE);
        assertEquals(Map.of("threads", "2", "quick", "true"), opt);
    }

    @Test
    void aMistypedOptionIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SuiteOptions.parseKnown(new String[] {"--thread", "2"}, Set.of("quick"), USAGE));
        assertEquals("unknown option --thread", e.getMessage());
    }

    @Test
    void anOptionWithoutItsValueIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SuiteOptions.parseKnown(new String[] {"--layers"}, Set.of("quick"), USAGE));
        assertEquals("--layers needs a value", e.getMessage());
    }
}
