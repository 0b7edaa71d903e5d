package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.List;

/** Messages the correlator has put together and not yet concluded on. */
abstract sealed class MessageGroup permits RegistrationAttempt, KeepaliveSeries {
    final List<LadderEvent> events = new ArrayList<>(4);
    final List<Transaction> transactions = new ArrayList<>(2);
    long lastActivity;
    /** Concluded and handed on: late messages start a new group. */
    boolean done;

    void add(LadderEvent e) {
        events.add(e);
        lastActivity = Math.max(lastActivity, e.timeNanos());
    }

    Transaction last() {
        return transactions.get(transactions.size() - 1);
    }
}
