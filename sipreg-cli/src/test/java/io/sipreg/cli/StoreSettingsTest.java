package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.registrar.Durability;
import io.sipreg.registrar.PostgresSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSettingsTest {
    @TempDir
    Path dir;

    private static final StoreSettings.Flags NO_FLAGS = StoreSettings.Flags.NONE;

    private Optional<ConfigFile> file(String toml) throws IOException {
        Path f = dir.resolve("sipreg.toml");
        Files.writeString(f, toml);
        return Optional.of(ConfigFile.read(f));
    }

    private StoreSettings resolve(Optional<ConfigFile> file, StoreSettings.Flags flags) {
        return StoreSettings.resolve(file, flags, dir.resolve("data"));
    }

    @Test
    void withoutAStoreTableTheEmbeddedSqliteStoreIsUsed() {
        StoreSettings settings = resolve(Optional.empty(), NO_FLAGS);

        assertThat(settings.isShared()).isFalse();
        assertThat(settings.dataDirectory()).isEqualTo(dir.resolve("data"));
        assertThat(settings.lease()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void aPostgresTableWithAPasswordFileNamesTheDatabase() throws IOException {
        Files.writeString(dir.resolve("db.pw"), "s3cret\n");
        var file = file("""
                [store]
                kind = "postgres"
                url = "jdbc:postgresql://db1:5432/sipreg"
                user = "sipreg"
                password-file = "%s"
                pool-size = 12
                node = "sip1"
                lease = 10
                """.formatted(dir.resolve("db.pw")));

        StoreSettings settings = resolve(file, NO_FLAGS);

        assertThat(settings.postgres()).contains(new PostgresSettings("jdbc:postgresql://db1:5432/sipreg", "sipreg",
                "s3cret", 12));
        assertThat(settings.node()).isEqualTo("sip1");
        assertThat(settings.lease()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.postgres().get().toString()).doesNotContain("s3cret");
    }

    @Test // the libpq form an operator knows from psql; --store and --node override the file
    void theStoreFlagTakesALibpqUrlAndOverridesTheFile() throws IOException {
        var file = file("""
                [store]
                url = "jdbc:postgresql://db1/sipreg"
                node = "sip1"
                """);

        StoreSettings settings = resolve(file,
                new StoreSettings.Flags("postgresql://reg:p%40ss@db2:5433/calls?sslmode=require", null, "sip2"));

        assertThat(settings.postgres()).contains(new PostgresSettings(
                "jdbc:postgresql://db2:5433/calls?sslmode=require", "reg", "p@ss", PostgresSettings.DEFAULT_POOL_SIZE));
        assertThat(settings.node()).isEqualTo("sip2");
        assertThat(resolve(file, new StoreSettings.Flags("sqlite", null, null)).isShared()).isFalse();
    }

    @Test // every mistake names its place
    void mistakesNameTheFileAndLine() throws IOException {
        assertThatThrownBy(() -> resolve(file("[store]\nkind = \"postgres\"\n"), NO_FLAGS))
                .isInstanceOf(UserError.class).hasMessageContaining("sipreg.toml:2: store.kind ")
                .hasMessageContaining("store.url");
        assertThatThrownBy(() -> resolve(file("[store]\nkind = \"redis\"\n"), NO_FLAGS))
                .hasMessageEndingWith("sipreg.toml:2: store.kind must be sqlite or postgres, was redis");
        assertThatThrownBy(() -> resolve(file("[store]\nurl = \"mysql://db/x\"\n"), NO_FLAGS))
                .hasMessageContaining("sipreg.toml:2: store.url must be postgresql://");
        assertThatThrownBy(() -> resolve(file("[store]\nurl = \"postgresql://db/x\"\nlease = 1\n"), NO_FLAGS))
                .hasMessageEndingWith("sipreg.toml:3: store.lease must be >= 3, was 1");
        assertThatThrownBy(() -> resolve(file("[store]\nurl = \"postgresql://db/x\"\nnode = \"a b\"\n"), NO_FLAGS))
                .hasMessageContaining("sipreg.toml:3: store.node must be a node name");
        assertThatThrownBy(() -> resolve(file("[store]\nurl = \"postgresql://db/x\"\npasword = \"x\"\n"), NO_FLAGS))
                .hasMessageEndingWith("sipreg.toml:3: unknown setting store.pasword");
        assertThatThrownBy(() -> resolve(file("[store]\nurl = \"postgresql://u:hunter2@/x\"\n"), NO_FLAGS))
                .hasMessageContaining("names no host").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> resolve(Optional.empty(),
                new StoreSettings.Flags("postgresql://db/x", dir.resolve("missing.pw"), null)))
                .hasMessageContaining("--store-password-file").hasMessageContaining("missing.pw: no such file");
    }

    @Test // serve reads the same [store] table through its settings
    void serveSettingsCarryTheStore() throws IOException {
        var file = file("""
                domain = "example.com"
                [store]
                url = "postgresql://db/sipreg"
                """);

        var settings = ServeSettings.resolve(file,
                new ServeSettings.Flags(null, null, null, null, null, null, null, null, null),
                new StoreSettings.Flags(null, null, "sip7"));

        assertThat(settings.domain()).isEqualTo("example.com");
        assertThat(settings.store().postgres()).map(PostgresSettings::url).contains("jdbc:postgresql://db/sipreg");
        assertThat(settings.store().node()).isEqualTo("sip7");
    }

    @Test // fsync unless told; the flag beats the file; a wrong value names where it came from
    void durabilityIsFsyncUnlessTheFileOrTheFlagSaysWrite() throws IOException {
        assertThat(resolve(Optional.empty(), NO_FLAGS).durability()).isEqualTo(Durability.FSYNC);
        var file = file("""
                [store]
                durability = "write"
                """);
        assertThat(resolve(file, NO_FLAGS).durability()).isEqualTo(Durability.WRITE);
        assertThat(resolve(file, new StoreSettings.Flags(null, null, null, "fsync")).durability())
                .isEqualTo(Durability.FSYNC);

        var wrong = file("""
                [store]
                durability = "lazy"
                """);
        assertThatThrownBy(() -> resolve(wrong, NO_FLAGS)).isInstanceOf(UserError.class)
                .hasMessageContaining("sipreg.toml:2")
                .hasMessageContaining("store.durability must be fsync or write, was lazy");
        var shared = file("""
                [store]
                url = "postgresql://db/sipreg"
                durability = "write"
                """);
        assertThatThrownBy(() -> resolve(shared, NO_FLAGS)).isInstanceOf(UserError.class)
                .hasMessageContaining("applies to the embedded store only");
    }
}
