package io.sipreg.analyzer;

import java.util.List;

/** Receives the analysis of one capture as it streams: the reports implement this. */
public interface AnalysisListener {
    /** Before the first frame. */
    default void start(String file, String format) {
    }

    /** A concluded registration attempt or keepalive series, with its findings. */
    void conversation(Conversation conversation);

    /** A finding about the file or about a message outside any conversation (damage, a stray malformed one). */
    void finding(Finding finding);

    /** After the last frame. */
    void end(Summary summary);

    /** A capture read as it arrives has nothing more for now: what was reported so far should be shown. */
    default void waiting() {
    }

    static AnalysisListener all(List<AnalysisListener> listeners) {
        return new AnalysisListener() {
            @Override
            public void start(String file, String format) {
                listeners.forEach(l -> l.start(file, format));
            }

            @Override
            public void conversation(Conversation conversation) {
                listeners.forEach(l -> l.conversation(conversation));
            }

            @Override
            public void finding(Finding finding) {
                listeners.forEach(l -> l.finding(finding));
            }

            @Override
            public void end(Summary summary) {
                listeners.forEach(l -> l.end(summary));
            }

            @Override
            public void waiting() {
                listeners.forEach(AnalysisListener::waiting);
            }
        };
    }
}
