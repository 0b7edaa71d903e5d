package io.sipreg.transport;

import io.sipreg.message.ParseResult;
import java.util.Objects;

/** What the decoders pass down the pipeline: the parse result of one message and the flow it came over. */
record ReceivedMessage(ParseResult result, Flow flow) {
    ReceivedMessage {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(flow, "flow");
    }
}
