package io.sipreg.client.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.client.Account;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountSourceTest {
    @TempDir
    Path directory;

    @Test
    void numbersAccountsFromTheTemplates() {
        AccountSource accounts = AccountSource.templates("user{n}@example.com", "auth{n}", "pw{n}", 100, 3);

        assertThat(accounts.size()).isEqualTo(3);
        Account third = accounts.account(2);
        assertThat(third.aorText()).isEqualTo("sip:user102@example.com");
        assertThat(third.authUsername()).isEqualTo("auth102");
        assertThat(third.password()).isEqualTo("pw102");
    }

    @Test
    void needsANumberInTheAorTemplate() {
        assertThatThrownBy(() -> AccountSource.templates("alice@example.com", null, "pw", 1, 10))
                .hasMessageContaining("needs {n}");
    }

    @Test
    void readsCsvAndNamesTheLineOfABadEntry() throws Exception {
        Path good = directory.resolve("accounts.csv");
        Files.writeString(good, "# aor,password,authuser\nalice@example.com,secret\n\nbob@example.com,pw,b0b\n");
        AccountSource accounts = AccountSource.csv(good);
        assertThat(accounts.size()).isEqualTo(2);
        assertThat(accounts.account(1).authUsername()).isEqualTo("b0b");
        assertThat(accounts.account(0).authUsername()).isEqualTo("alice");

        Path bad = directory.resolve("bad.csv");
        Files.writeString(bad, "alice@example.com,secret\nexample.com,pw\n");
        assertThatThrownBy(() -> AccountSource.csv(bad))
                .hasMessageStartingWith(bad + ":2: ")
                .hasMessageContaining("no user part");
    }
}
