package io.sipreg.client.load;

import io.sipreg.client.Account;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** The accounts a load run registers, numbered from 0. */
public interface AccountSource {
    int size();

    Account account(int index);

    /**
     * Accounts from templates in which {@code {n}} stands for the account number, {@code first} to
     * {@code first + count - 1}: {@code user{n}@example.com} with password {@code secret{n}}.
     *
     * @param authUserTemplate null for the AOR's user part
     */
    static AccountSource templates(String aorTemplate, String authUserTemplate, String passwordTemplate, int first,
                                   int count) {
        if (!aorTemplate.contains("{n}")) {
            throw new IllegalArgumentException("the AOR template " + aorTemplate + " needs {n}, e.g. user{n}@"
                    + "example.com, so that each account differs");
        }
        Account.of(aorTemplate.replace("{n}", Integer.toString(first)), null, "");
        return of(count, index -> {
            String n = Integer.toString(first + index);
            return Account.of(aorTemplate.replace("{n}", n),
                    authUserTemplate == null ? null : authUserTemplate.replace("{n}", n),
                    passwordTemplate.replace("{n}", n));
        });
    }

    /**
     * Accounts from a CSV file, one per line: {@code aor,password[,authuser]}; blank lines and lines starting with
     * {@code #} are skipped.
     *
     * @throws IllegalArgumentException naming the file and line of a bad entry
     */
    static AccountSource csv(Path file) throws IOException {
        var accounts = new ArrayList<Account>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (fields.length < 2 || fields.length > 3 || fields[0].isBlank()) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected aor,password[,authuser]");
            }
            try {
                accounts.add(Account.of(fields[0].strip(), fields.length == 3 ? fields[2].strip() : null,
                        fields[1]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (accounts.isEmpty()) {
            throw new IllegalArgumentException(file + ": no accounts in the file");
        }
        return of(accounts.size(), accounts::get);
    }

    /** The first {@code count} accounts of {@code source}. */
    static AccountSource firstOf(AccountSource source, int count) {
        if (count > source.size()) {
            throw new IllegalArgumentException("only " + source.size() + " accounts, " + count + " asked for");
        }
        return of(count, source::account);
    }

    /** {@code size} accounts made by {@code accounts} from their index. */
    static AccountSource of(int size, IntFunction<Account> accounts) {
        return new AccountSource() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Account account(int index) {
                return accounts.apply(index);
            }
        };
    }
}
