package org.crest.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.crest.Fixtures;
import org.junit.jupiter.api.Test;

/** {@code model pull --graph fused}: a bundle of its own (suffix -fused) beside the plain one, from the same snapshot. */
class FusedPullTest {
    @Test
    void fusedPullsGetTheirOwnBundleDirectory() throws Exception {
        try (FakeHub fake = new FakeHub()) {
            Path cache = Fixtures.tempDir("hub-cache-fused-");
            HubClient hub = new HubClient(fake.endpoint, null, cache, false);
            HubModels.Pulled fused = HubModels.pull(
                    hub,
                    HubClient.Repo.parse("test/tiny"),
                    null,
                    CheckpointConverter.Precision.FP16,
                    CheckpointConverter.Graph.FUSED,
                    false);
            assertThat(fused.bundle())
                    .isEqualTo(cache.resolve("crest/test--tiny/" + FakeHub.COMMIT + "/classification-fp16-fused"));
            assertThat(Files.readString(fused.bundle().resolve(CheckpointConverter.MANIFEST)))
                    .contains("\"graph\" : \"fused\"")
                    .contains("\"float16\"");
            int before = fake.hits.get();
            HubModels.Pulled plain = HubModels.pull(hub, HubClient.Repo.parse("test/tiny"), null);
            assertThat(plain.bundle())
                    .isEqualTo(cache.resolve("crest/test--tiny/" + FakeHub.COMMIT + "/classification"));
            assertThat(Files.readString(plain.bundle().resolve(CheckpointConverter.MANIFEST)))
                    .contains("\"graph\" : \"plain\"");
            assertThat(fake.hits.get()).as("the same snapshot, no download").isEqualTo(before);
        }
    }
}
