#include "common/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace peregrine::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Helpers

std::vector<std::string> texts(const std::vector<ConfigError>& errors) {
  std::vector<std::string> out;
  for (const ConfigError& e : errors) out.push_back(e.to_string());
  return out;
}

std::string all_text(const std::vector<ConfigError>& errors) {
  std::ostringstream os;
  for (const ConfigError& e : errors) os << e << '\n';
  return os.str();
}

LoadOptions with_env(std::map<std::string, std::string, std::less<>> vars) {
  return LoadOptions{env_from_map(std::move(vars)), {}};
}

// Loads `yaml` with a loader that reads a single key with the given parser.
template <typename T, typename Parser>
std::pair<std::optional<T>, std::vector<ConfigError>> read_one(const std::string& value,
                                                               Parser parse) {
  std::optional<T> got;
  const auto errors = load_yaml("v: " + value, with_env({}), [&](ConfigNode& n) {
    T v{};
    if (n.required("v", &v, parse)) got = v;
  });
  return {got, errors};
}

template <typename T>
std::optional<T> good(const std::string& value) {
  auto [v, errors] = read_one<T>(value, default_parser<T>());
  EXPECT_THAT(texts(errors), IsEmpty()) << "value: " << value;
  return v;
}

template <typename T>
std::string bad(const std::string& value) {
  auto [v, errors] = read_one<T>(value, default_parser<T>());
  EXPECT_FALSE(v.has_value()) << "value: " << value;
  EXPECT_EQ(errors.size(), 1U) << "value: " << value;
  return errors.empty() ? "" : errors[0].to_string();
}

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("pg_config_test_" + unique())) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto p = path_ / name;
    std::ofstream(p) << content;
    return p;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  static std::string unique() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + "_" + info->name();
  }
  std::filesystem::path path_;
};

// ---------------------------------------------------------------------------------------------
// ${ENV} substitution

TEST(SubstituteEnv, ReplacesSetVariables) {
  const auto env = env_from_map({{"HOST", "example.com"}, {"PORT", "8443"}});
  auto r = substitute_env("https://${HOST}:${PORT}/ws", env);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value(), "https://example.com:8443/ws");
}

TEST(SubstituteEnv, DefaultOnlyWhenUnset) {
  const auto env = env_from_map({{"SET", "from-env"}});
  EXPECT_EQ(substitute_env("${UNSET:fallback}", env).value(), "fallback");
  EXPECT_EQ(substitute_env("${SET:fallback}", env).value(), "from-env");
  EXPECT_EQ(substitute_env("${UNSET:}", env).value(), "");
  EXPECT_EQ(substitute_env("${UNSET:a:b}", env).value(), "a:b");  // default keeps its colons
}

TEST(SubstituteEnv, MissingWithoutDefaultNamesEveryVariable) {
  const auto env = env_from_map({});
  auto one = substitute_env("${HL_KEY}", env);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error(), "environment variable HL_KEY is not set");
  auto two = substitute_env("${A}-${B:x}-${C}", env);
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error(), "environment variables A, C are not set");
}

TEST(SubstituteEnv, EscapesAndLiterals) {
  const auto env = env_from_map({{"X", "${Y}"}});
  EXPECT_EQ(substitute_env("$${X}", env).value(), "${X}");
  EXPECT_EQ(substitute_env("${X}", env).value(), "${Y}");  // values are not rescanned
  EXPECT_EQ(substitute_env("cost $5 {x}", env).value(), "cost $5 {x}");
  EXPECT_EQ(substitute_env("", env).value(), "");
}

TEST(SubstituteEnv, MalformedReferences) {
  const auto env = env_from_map({});
  EXPECT_EQ(substitute_env("abc${X", env).error(), "unterminated ${...} reference");
  EXPECT_THAT(substitute_env("${1X}", env).error(), HasSubstr("invalid environment variable name"));
  EXPECT_THAT(substitute_env("${}", env).error(), HasSubstr("invalid environment variable name"));
}

TEST(SubstituteEnv, ProcessEnvReadsGetenv) {
  // PATH is set in any test environment; an obviously unset name is not.
  EXPECT_TRUE(process_env()("PATH").has_value());
  EXPECT_FALSE(process_env()("PEREGRINE_SURELY_UNSET_VARIABLE_42").has_value());
}

TEST(SubstituteEnv, AppliedPerScalarAfterParsing) {
  struct S {
    std::string url;
    int port = 0;
    std::string opt = "unchanged";
  };
  const auto result = load_config_string<S>(
      "url: \"wss://${HOST}/ws\"\nport: ${PORT:9000}\nopt: ${OPT:}\n",
      [](ConfigNode& n, S& s) {
        n.required("url", &s.url);
        n.required("port", &s.port);
        n.optional("opt", &s.opt, "default");
      },
      with_env({{"HOST", "h.example"}}));
  ASSERT_THAT(texts(result.errors), IsEmpty());
  EXPECT_EQ(result.value.url, "wss://h.example/ws");
  EXPECT_EQ(result.value.port, 9000);
  EXPECT_EQ(result.value.opt, "default");  // "${VAR:}" on an optional key: absent
}

TEST(SubstituteEnv, MissingVariableIsAnErrorAtItsPath) {
  struct S {
    std::string key;
  };
  const auto result = load_config_string<S>(
      "venue:\n  key: ${API_KEY}\n",
      [](ConfigNode& n, S& s) {
        n.required_map("venue", &s, [](ConfigNode& v, S& o) { v.required("key", &o.key); });
      },
      with_env({}));
  EXPECT_THAT(texts(result.errors),
              ElementsAre("venue.key: environment variable API_KEY is not set"));
  EXPECT_EQ(result.errors[0].line, 2);
}

// ---------------------------------------------------------------------------------------------
// Scalar types

TEST(ScalarTypes, String) {
  EXPECT_EQ(good<std::string>("hello world"), "hello world");
  EXPECT_EQ(good<std::string>("\"0.10\""), "0.10");  // quoting keeps the text
  EXPECT_EQ(bad<std::string>("\"\""), "v: expected a non-empty string, got \"\"");
}

TEST(ScalarTypes, Bool) {
  EXPECT_EQ(good<bool>("true"), true);
  EXPECT_EQ(good<bool>("false"), false);
  EXPECT_EQ(bad<bool>("yes"), "v: expected true or false, got \"yes\"");
  EXPECT_EQ(bad<bool>("1"), "v: expected true or false, got \"1\"");
}

TEST(ScalarTypes, IntegersAreRangeChecked) {
  EXPECT_EQ(good<int>("-42"), -42);
  EXPECT_EQ(good<int>("+7"), 7);
  EXPECT_EQ(good<std::int64_t>("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(good<std::uint16_t>("65535"), 65535);
  EXPECT_EQ(bad<std::uint16_t>("65536"), "v: expected an integer in [0, 65535], got \"65536\"");
  EXPECT_EQ(bad<std::uint16_t>("-1"), "v: expected an integer in [0, 65535], got \"-1\"");
  EXPECT_THAT(bad<int>("12abc"), HasSubstr("expected an integer"));
  EXPECT_THAT(bad<int>("1.5"), HasSubstr("expected an integer"));
  EXPECT_THAT(bad<std::int64_t>("99999999999999999999"), HasSubstr("expected an integer"));

  auto [v, errors] = read_one<int>("11", int_parser<int>(1, 10));
  EXPECT_FALSE(v.has_value());
  EXPECT_THAT(texts(errors), ElementsAre("v: expected an integer in [1, 10], got \"11\""));
}

TEST(ScalarTypes, Double) {
  EXPECT_DOUBLE_EQ(*good<double>("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*good<double>("-2e-3"), -0.002);
  EXPECT_EQ(bad<double>("abc"), "v: expected a number, got \"abc\"");
  EXPECT_THAT(bad<double>("1.5x"), HasSubstr("expected a number"));
  EXPECT_THAT(bad<double>("inf"), HasSubstr("expected a number"));
  EXPECT_THAT(bad<double>("nan"), HasSubstr("expected a number"));
}

TEST(ScalarTypes, Duration) {
  EXPECT_EQ(good<Duration>("500ms"), Duration(500ms));
  EXPECT_EQ(good<Duration>("2s"), Duration(2s));
  EXPECT_EQ(good<Duration>("10m"), Duration(10min));
  EXPECT_EQ(good<Duration>("1h"), Duration(1h));
  EXPECT_EQ(good<Duration>("250us"), Duration(250us));
  EXPECT_EQ(good<Duration>("7ns"), Duration(7ns));
  EXPECT_EQ(good<Duration>("0s"), Duration(0));
  for (const char* text : {"5", "ms", "1.5s", "-1s", "5 s", "5d", "2S"}) {
    EXPECT_THAT(bad<Duration>(text), HasSubstr("expected a duration")) << text;
  }
  EXPECT_THAT(bad<Duration>("9999999999h"), HasSubstr("too long"));
}

TEST(ScalarTypes, Url) {
  const auto u = good<Url>("wss://api.hyperliquid.xyz/ws");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "wss");
  EXPECT_EQ(u->host, "api.hyperliquid.xyz");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/ws");
  EXPECT_TRUE(u->tls());
  EXPECT_FALSE(u->is_loopback());

  const auto local = good<Url>("http://127.0.0.1:8101");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->port, 8101);
  EXPECT_EQ(local->target, "/");
  EXPECT_TRUE(local->is_loopback());
  EXPECT_FALSE(local->tls());

  const auto v6 = good<Url>("ws://[::1]:9000/stream?x=1");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(v6->target, "/stream?x=1");
  EXPECT_EQ(good<Url>("HTTPS://Example.com")->scheme, "https");

  EXPECT_EQ(bad<Url>("htp:/x"), "v: expected URL, got \"htp:/x\"");
  EXPECT_EQ(bad<Url>("ftp://host"), "v: expected URL, got \"ftp://host\"");
  EXPECT_THAT(bad<Url>("http://"), HasSubstr("expected URL (no valid host)"));
  EXPECT_THAT(bad<Url>("http://:80/x"), HasSubstr("no valid host"));
  EXPECT_THAT(bad<Url>("https://user:pw@host"), HasSubstr("user info is not allowed"));
  EXPECT_THAT(bad<Url>("http://host:0"), HasSubstr("port must be 1-65535"));
  EXPECT_THAT(bad<Url>("http://host:70000"), HasSubstr("port must be 1-65535"));
  EXPECT_THAT(bad<Url>("\"http://host:\""), HasSubstr("port must be 1-65535"));
  EXPECT_THAT(bad<Url>("\"http://ho st\""), HasSubstr("whitespace"));
}

TEST(ScalarTypes, UrlParserRestrictsSchemes) {
  const auto ws = url_parser({"ws", "wss"});
  EXPECT_TRUE(read_one<Url>("wss://x.example", ws).first.has_value());
  auto [v, errors] = read_one<Url>("https://x.example", ws);
  EXPECT_FALSE(v.has_value());
  EXPECT_THAT(texts(errors),
              ElementsAre("v: expected ws:// or wss:// URL, got \"https://x.example\""));
  auto [v2, errors2] = read_one<Url>("nonsense", url_parser({"http", "https"}));
  EXPECT_THAT(texts(errors2), ElementsAre("v: expected http:// or https:// URL, got \"nonsense\""));
}

enum class Color : std::uint8_t { kRed, kGreen, kBlue };
constexpr std::array<EnumName<Color>, 3> kColors{{
    {"red", Color::kRed},
    {"green", Color::kGreen},
    {"blue", Color::kBlue},
}};

TEST(ScalarTypes, EnumFromFixedNames) {
  EXPECT_EQ(read_one<Color>("green", enum_parser(kColors)).first, Color::kGreen);
  auto [v, errors] = read_one<Color>("Green", enum_parser(kColors));
  EXPECT_FALSE(v.has_value());
  EXPECT_THAT(texts(errors), ElementsAre("v: expected one of red, green, blue, got \"Green\""));
}

TEST(ScalarTypes, DecimalsAreExact) {
  EXPECT_EQ(good<Price>("\"0.10\"")->raw(), 10'000'000);
  EXPECT_EQ(good<Price>("61800.5")->raw(), 6'180'050'000'000);
  EXPECT_EQ(good<Qty>("0.00001")->raw(), 1'000);
  EXPECT_EQ(good<Money>("-12.5")->raw(), -1'250'000'000);
  EXPECT_THAT(bad<Price>("1.2.3"), HasSubstr("expected a decimal"));
  EXPECT_THAT(bad<Price>("abc"), HasSubstr("expected a decimal"));
  EXPECT_THAT(bad<Qty>("0.000000001"), HasSubstr("expected a decimal"));  // finer than 1e-8

  auto [p, e1] = read_one<Qty>("0", decimal_parser<Qty>(Sign::kPositive));
  EXPECT_THAT(texts(e1), ElementsAre("v: expected a positive decimal, got \"0\""));
  auto [m, e2] = read_one<Money>("-1", decimal_parser<Money>(Sign::kNonNegative));
  EXPECT_THAT(texts(e2), ElementsAre("v: expected a decimal >= 0, got \"-1\""));
  EXPECT_EQ(read_one<Money>("0", decimal_parser<Money>(Sign::kNonNegative)).first, Money::zero());
}

TEST(ScalarTypes, NonScalarWhereScalarExpected) {
  EXPECT_EQ(bad<int>("[1, 2]"), "v: expected a scalar, got a list");
  EXPECT_EQ(bad<int>("{a: 1}"), "v: expected a scalar, got a map");
}

TEST(ScalarTypes, LongValuesAreShortenedInErrors) {
  const std::string long_value(200, 'x');
  const std::string message = bad<bool>(long_value);
  EXPECT_THAT(message, HasSubstr("...\""));
  EXPECT_LT(message.size(), 120U);
}

// ---------------------------------------------------------------------------------------------
// Structure: required/optional, nesting, lists, maps, unknown keys

struct Limits {
  int max_orders = 0;
  Duration window{};
};
struct Desk {
  std::string name;
  Url url;
  bool enabled = true;
  std::optional<int> cpu;
  Limits limits;
  std::vector<std::string> tags;
};
struct Root {
  std::vector<Desk> desks;
  std::map<std::string, Limits, std::less<>> by_name;
  std::map<std::string, std::string, std::less<>> params;
};

void load_limits(ConfigNode& n, Limits& out) {
  n.required("max_orders", &out.max_orders, int_parser<int>(1, 1000));
  n.optional("window", &out.window, Duration(1s));
}

void load_desk(ConfigNode& n, Desk& out) {
  n.required("name", &out.name);
  n.required("url", &out.url);
  n.optional("enabled", &out.enabled, true);
  n.optional("cpu", &out.cpu);
  n.map_if_present("limits", &out.limits, load_limits);
  n.scalar_list("tags", &out.tags, &parse_string);
}

void load_root(ConfigNode& n, Root& out) {
  n.list("desks", &out.desks, load_desk, true);
  n.map_of("by_name", &out.by_name, load_limits);
  n.scalar_map("params", &out.params);
}

TEST(ConfigNode, ReadsNestedListsAndMaps) {
  const auto r = load_config_string<Root>(R"(
desks:
  - name: alpha
    url: https://a.example/api
    cpu: 3
    limits: {max_orders: 10, window: 500ms}
    tags: [fast, "${TAG}"]
  - name: beta
    url: http://127.0.0.1:9000
    enabled: false
by_name:
  x: {max_orders: 1}
  y: {max_orders: 2, window: 2s}
params:
  levels: "0.382,0.618"
  lookback: 4h
  qty: ${QTY:0.01}
)",
                                          load_root, with_env({{"TAG", "hl"}}));
  ASSERT_THAT(texts(r.errors), IsEmpty());
  ASSERT_EQ(r.value.desks.size(), 2U);
  const Desk& a = r.value.desks[0];
  EXPECT_EQ(a.name, "alpha");
  EXPECT_EQ(a.url.host, "a.example");
  EXPECT_EQ(a.cpu, 3);
  EXPECT_EQ(a.limits.max_orders, 10);
  EXPECT_EQ(a.limits.window, Duration(500ms));
  EXPECT_THAT(a.tags, ElementsAre("fast", "hl"));
  const Desk& b = r.value.desks[1];
  EXPECT_FALSE(b.enabled);
  EXPECT_FALSE(b.cpu.has_value());
  ASSERT_EQ(r.value.by_name.size(), 2U);
  EXPECT_EQ(r.value.by_name.at("y").window, Duration(2s));
  EXPECT_EQ(r.value.by_name.at("x").window, Duration(1s));
  EXPECT_EQ(r.value.params.at("levels"), "0.382,0.618");
  EXPECT_EQ(r.value.params.at("lookback"), "4h");
  EXPECT_EQ(r.value.params.at("qty"), "0.01");
}

TEST(ConfigNode, NameIsTheKeyForMapEntries) {
  std::vector<std::string> names;
  const auto errors =
      load_yaml("m:\n  one: {}\n  two: {}\nl: [{}, {}]\n", with_env({}), [&](ConfigNode& n) {
        std::map<std::string, int, std::less<>> m;
        n.map_of("m", &m, [&](ConfigNode& c, int&) {
          names.emplace_back(c.name());
          names.push_back(c.path());
        });
        std::vector<int> l;
        n.list("l", &l, [&](ConfigNode& c, int&) {
          names.emplace_back(c.name());
          names.push_back(c.path());
        });
      });
  EXPECT_THAT(texts(errors), IsEmpty());
  EXPECT_THAT(names, ElementsAre("one", "m.one", "two", "m.two", "[0]", "l[0]", "[1]", "l[1]"));
}

TEST(ConfigNode, UnknownKeysAreRejectedWithPath) {
  const auto r = load_config_string<Root>(R"(
desks:
  - name: alpha
    url: https://a.example
    limits: {max_orders: 5, max_order: 6}
    colour: red
extra: 1
)",
                                          load_root, with_env({}));
  EXPECT_THAT(texts(r.errors),
              ElementsAre("desks[0].limits.max_order: unknown key (did you mean \"max_orders\"?)",
                          "desks[0].colour: unknown key", "extra: unknown key"));
}

TEST(ConfigNode, ReportsEveryErrorAtOnceWithFullPaths) {
  const auto r = load_config_string<Root>(R"(
desks:
  - name: ""
    url: htp:/x
    enabled: maybe
    cpu: many
    limits: {max_orders: 0, window: soon}
    tags: [ok, [nested]]
  - url: https://b.example
by_name:
  z: {window: 1s}
  bad: 3
params:
  nested: {a: 1}
  missing: ${NOPE}
)",
                                          load_root, with_env({}));
  EXPECT_THAT(
      texts(r.errors),
      ElementsAre(
          "desks[0].name: expected a non-empty string, got \"\"",
          "desks[0].url: expected URL, got \"htp:/x\"",
          "desks[0].enabled: expected true or false, got \"maybe\"",
          "desks[0].cpu: expected an integer in [-2147483648, 2147483647], got \"many\"",
          "desks[0].limits.max_orders: expected an integer in [1, 1000], got \"0\"",
          "desks[0].limits.window: expected a duration: whole number and unit ns, us, "
          "ms, s, m or h (e.g. 500ms, 2s), got \"soon\"",
          "desks[0].tags[1]: expected a scalar, got a list", "desks[1].name: missing required key",
          "by_name.bad: expected a map, got a scalar", "by_name.z.max_orders: missing required key",
          "params.nested: expected a scalar, got a map",
          "params.missing: environment variable NOPE is not set"));
  // Every error knows its line.
  for (const ConfigError& e : r.errors) EXPECT_GT(e.line, 0) << e;
  EXPECT_EQ(r.errors[1].line, 4);
}

TEST(ConfigNode, AbsentOptionalMapReadsAsEmptyMap) {
  struct S {
    Limits lim{5, Duration(9s)};
    Limits present{5, Duration(9s)};
  };
  bool loaded = false;
  const auto r = load_config_string<S>(
      "",
      [&](ConfigNode& n, S& s) {
        n.optional_map("lim", &s.lim, load_limits);
        loaded = n.map_if_present("present", &s.present, load_limits);
      },
      with_env({}));
  // optional_map: the loader ran on {}: defaults applied, required keys reported.
  EXPECT_THAT(texts(r.errors), ElementsAre("lim.max_orders: missing required key"));
  EXPECT_EQ(r.value.lim.window, Duration(1s));
  // map_if_present: not run at all.
  EXPECT_FALSE(loaded);
  EXPECT_EQ(r.value.present.window, Duration(9s));
}

TEST(ConfigNode, MissingAndNullRequiredValues) {
  struct S {
    int a = 0;
    int b = 0;
    Limits lim;
  };
  const auto r = load_config_string<S>(
      "b:\n",
      [](ConfigNode& n, S& s) {
        n.required("a", &s.a);
        n.required("b", &s.b);
        n.required_map("lim", &s.lim, load_limits);
      },
      with_env({}));
  EXPECT_THAT(texts(r.errors),
              ElementsAre("a: missing required key", "b: required key has no value",
                          "lim: missing required section"));
}

TEST(ConfigNode, WrongShapes) {
  const auto r = load_config_string<Root>("desks: {a: 1}\nby_name: [1]\nparams: text\n", load_root,
                                          with_env({}));
  EXPECT_THAT(texts(r.errors), ElementsAre("desks: expected a list, got a map",
                                           "by_name: expected a map, got a list",
                                           "params: expected a map, got a scalar"));
}

TEST(ConfigNode, DuplicateKeysAreErrors) {
  struct S {
    int a = 0;
  };
  const auto r = load_config_string<S>(
      "a: 1\na: 2\n", [](ConfigNode& n, S& s) { n.required("a", &s.a); }, with_env({}));
  EXPECT_THAT(texts(r.errors), ElementsAre("a: duplicate key"));
  EXPECT_EQ(r.errors[0].line, 2);
}

TEST(ConfigNode, LoaderValidationErrorsCarryPath) {
  struct S {
    int lo = 0;
    int hi = 0;
  };
  const auto r = load_config_string<S>(
      "range:\n  lo: 5\n  hi: 2\n",
      [](ConfigNode& n, S& s) {
        n.required_map("range", &s, [](ConfigNode& m, S& o) {
          m.required("lo", &o.lo);
          m.required("hi", &o.hi);
          if (o.lo > o.hi) m.error("hi", "must be >= lo");
          m.error("whole range is odd");
        });
      },
      with_env({}));
  EXPECT_THAT(texts(r.errors), ElementsAre("range.hi: must be >= lo", "range: whole range is odd"));
  EXPECT_EQ(r.errors[0].line, 3);
}

// ---------------------------------------------------------------------------------------------
// Document-level errors

TEST(LoadYaml, SyntaxErrorHasLineAndColumn) {
  const auto errors =
      load_yaml("a: 1\nb: [1, 2\nc: 3\n", with_env({}), [](ConfigNode&) { FAIL(); });
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].path, "");
  EXPECT_THAT(errors[0].message, HasSubstr("YAML syntax error at line"));
  EXPECT_THAT(errors[0].message, HasSubstr("column"));
  EXPECT_GT(errors[0].line, 0);
}

TEST(LoadYaml, TopLevelMustBeAMap) {
  const auto errors = load_yaml("- 1\n- 2\n", with_env({}), [](ConfigNode&) { FAIL(); });
  EXPECT_THAT(texts(errors), ElementsAre("expected a map at the top level, got a list"));
}

TEST(LoadYaml, EmptyDocumentReadsAsEmptyMap) {
  const auto errors = load_yaml("", with_env({}), [](ConfigNode& n) {
    int x = 0;
    n.required("x", &x);
  });
  EXPECT_THAT(texts(errors), ElementsAre("x: missing required key"));
}

TEST(LoadYaml, ExceptionsFromTheLoaderBecomeErrors) {
  const auto errors = load_yaml("a: 1\n", with_env({}), [](ConfigNode& n) {
    int a = 0;
    n.required("a", &a);
    throw std::runtime_error("boom");
  });
  EXPECT_THAT(texts(errors), ElementsAre("internal error while loading config: boom"));
}

TEST(LoadYaml, UnreadableFile) {
  const auto r = load_config_file<Limits>("/nonexistent/peregrine.yaml", load_limits);
  EXPECT_THAT(texts(r.errors), ElementsAre("cannot read config file /nonexistent/peregrine.yaml"));
}

TEST(LoadYaml, FromFile) {
  TempDir dir;
  const auto path = dir.write("c.yaml", "max_orders: 7\nwindow: 3s\n");
  const auto r = load_config_file<Limits>(path, load_limits, with_env({}));
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.max_orders, 7);
  EXPECT_EQ(r.value.window, Duration(3s));
}

// ---------------------------------------------------------------------------------------------
// Secrets

constexpr const char* kKey = "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d";

struct Creds {
  Secret key;
  Secret other;
};

Parsed<Secret> parse_hex_key(std::string_view text) {
  if (text.size() != 66) return Parsed<Secret>::failure("expected 0x and 64 hex digits");
  return Secret(std::string(text));
}

TEST(Secret, PrintsAsMask) {
  const Secret s{kKey};
  EXPECT_EQ(s.reveal(), kKey);
  EXPECT_EQ(s.to_string(), "***");
  EXPECT_EQ(to_string(s), "***");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "***");
  EXPECT_EQ(::testing::PrintToString(s), "***");
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(Secret().empty());
}

TEST(Secret, CopiesAndMovesKeepTheValue) {
  Secret a{kKey};
  Secret b = a;
  Secret c;
  c = std::move(a);
  EXPECT_EQ(b.reveal(), kKey);
  EXPECT_EQ(c.reveal(), kKey);
  b = c;
  EXPECT_EQ(b.reveal(), kKey);
}

TEST(Secret, FromEnvironment) {
  const auto r = load_config_string<Creds>(
      "key: ${HL_KEY}\n", [](ConfigNode& n, Creds& c) { n.required("key", &c.key); },
      with_env({{"HL_KEY", kKey}}));
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.key.reveal(), kKey);
}

TEST(Secret, NeverInErrorMessages) {
  // A malformed key (one digit short) must not appear in the error, whether it came from the
  // file, the environment or a file: reference.
  const std::string bad_key = std::string(kKey).substr(0, 65);
  TempDir dir;
  dir.write("key.txt", bad_key + "\n");
  const auto r = load_config_string<Creds>(
      "key: " + bad_key + "\nother: ${BAD}\nthird: file:key.txt\n",
      [](ConfigNode& n, Creds& c) {
        n.required("key", &c.key, parse_hex_key);
        n.required("other", &c.other, parse_hex_key);
        Secret third;
        n.required("third", &third, parse_hex_key);
      },
      LoadOptions{env_from_map({{"BAD", bad_key}}), dir.path()});
  ASSERT_EQ(r.errors.size(), 3U);
  EXPECT_THAT(texts(r.errors), ElementsAre("key: expected 0x and 64 hex digits",
                                           "other: expected 0x and 64 hex digits",
                                           "third: expected 0x and 64 hex digits"));
  const std::string all = all_text(r.errors);
  EXPECT_THAT(all, Not(HasSubstr(bad_key.substr(2, 20))));
  EXPECT_THAT(all, Not(HasSubstr("4f3edf")));
}

TEST(Secret, EmptySecretIsRejectedWithoutEcho) {
  const auto r = load_config_string<Creds>(
      "key: \"\"\n", [](ConfigNode& n, Creds& c) { n.required("key", &c.key); }, with_env({}));
  EXPECT_THAT(texts(r.errors), ElementsAre("key: expected a non-empty secret"));
}

TEST(Secret, FileReferenceIsReadAndTrimmed) {
  TempDir dir;
  const auto abs = dir.write("abs.key", std::string("  ") + kKey + "\n\n");
  dir.write("rel.key", "rel-secret\n");
  const auto r = load_config_string<Creds>(
      "key: file:" + abs.string() + "\nother: file:rel.key\n",
      [](ConfigNode& n, Creds& c) {
        n.required("key", &c.key, parse_hex_key);
        n.required("other", &c.other);
      },
      LoadOptions{env_from_map({}), dir.path()});
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.key.reveal(), kKey);
  EXPECT_EQ(r.value.other.reveal(), "rel-secret");
}

TEST(Secret, FileReferenceRelativeToConfigFileAndViaEnv) {
  TempDir dir;
  dir.write("hl.key", kKey);
  const auto config = dir.write("c.yaml", "key: file:${KEY_DIR:.}/hl.key\n");
  const auto r = load_config_file<Creds>(
      config, [](ConfigNode& n, Creds& c) { n.required("key", &c.key); }, with_env({}));
  ASSERT_THAT(texts(r.errors), IsEmpty());
  EXPECT_EQ(r.value.key.reveal(), kKey);
}

TEST(Secret, FileReferenceErrors) {
  TempDir dir;
  dir.write("empty.key", "  \n");
  const auto r = load_config_string<Creds>(
      "key: file:missing.key\nother: file:empty.key\n",
      [](ConfigNode& n, Creds& c) {
        n.required("key", &c.key);
        n.required("other", &c.other);
      },
      LoadOptions{env_from_map({}), dir.path()});
  ASSERT_EQ(r.errors.size(), 2U);
  EXPECT_EQ(r.errors[0].path, "key");
  EXPECT_THAT(r.errors[0].message, HasSubstr("cannot read secret file"));
  EXPECT_THAT(r.errors[0].message, HasSubstr("missing.key (no such file)"));
  EXPECT_EQ(r.errors[1].path, "other");
  EXPECT_THAT(r.errors[1].message, HasSubstr("is empty"));
}

TEST(Secret, UnknownKeyDoesNotEchoItsValue) {
  const auto r = load_config_string<Creds>(
      std::string("key: a\nprivate_kye: ") + kKey + "\n",
      [](ConfigNode& n, Creds& c) { n.required("key", &c.key); }, with_env({}));
  EXPECT_THAT(texts(r.errors), ElementsAre("private_kye: unknown key"));
  EXPECT_THAT(all_text(r.errors), Not(HasSubstr("4f3edf")));
}

}  // namespace
}  // namespace peregrine::common
