// The simulator's JSON writer (every venue's frames and responses): string escaping appends the
// runs that need no escape whole and escapes the rest exactly as JSON requires.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "tools/venue_sim/cex_common/json_writer.hpp"

namespace peregrine::venue_sim {
namespace {

std::string written(std::string_view s) {
  cex::JsonWriter w;
  w.str(s);
  return w.take();
}

TEST(ServerJsonWriter, PlainStringsAreCopiedWhole) {
  EXPECT_EQ(written(""), R"("")");
  EXPECT_EQ(written("BTCUSDT"), R"("BTCUSDT")");
  EXPECT_EQ(written("orderbook.50.BTCUSDT"), R"("orderbook.50.BTCUSDT")");
}

TEST(ServerJsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(written("a\"b"), R"("a\"b")");
  EXPECT_EQ(written("\\"), R"("\\")");
  EXPECT_EQ(written("\"\""), R"("\"\"")");
  EXPECT_EQ(written("x\ny\rz\t"), R"("x\ny\rz\t")");
  EXPECT_EQ(written(std::string("\x01") + "end\x1f"), R"("\u0001end\u001f")");
  EXPECT_EQ(written("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // UTF-8 passes through
}

TEST(ServerJsonWriter, EscapedStringsRoundTripThroughAParser) {
  const std::string original = std::string("start \"q\" \\ back\nline\ttab ") + '\x02' + " end";
  cex::JsonWriter w;
  w.begin_object().kv("k", original).end_object();
  simdjson::dom::parser p;
  std::string_view back;
  ASSERT_EQ(p.parse(w.view())["k"].get(back), simdjson::SUCCESS) << w.view();
  EXPECT_EQ(back, original);
}

}  // namespace
}  // namespace peregrine::venue_sim
