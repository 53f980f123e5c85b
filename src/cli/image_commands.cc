// `gantry image import|ls|rm`: the server's image store.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>

#include "cli/commands.h"
#include "cli/humanize.h"
#include "cli/table.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

Result<int> ImageImportCommand(CliContext& ctx, const ImageImportOptions& options) {
  if (options.path.empty()) return MakeError(ErrorCode::kInvalidArgument, "a PATH is required");
  // The server reads the path on its own machine, so it must not depend on our working directory.
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(options.path, ec);
  if (ec)
    return MakeError(ErrorCode::kInvalidArgument, "cannot make {} absolute: {}", options.path,
                     ec.message());
  json::object body{{"path", abs.lexically_normal().string()}};
  if (!options.tag.empty()) body["tag"] = options.tag;
  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Post("/v1/images/import", body));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  const json::object* image = nullptr;
  if (const json::object* o = reply.if_object())
    if (const auto* i = o->if_contains("image")) image = i->if_object();
  if (image == nullptr) return MakeError(ErrorCode::kInternal, "unexpected reply: no \"image\"");
  fmt::print("Loaded image: {} ({})\n", StringField(*image, "reference"),
             ShortDigest(StringField(*image, "digest")));
  return 0;
}

Result<int> ImageLsCommand(CliContext& ctx) {
  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Get("/v1/images"));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  Table table({"REFERENCE", "DIGEST", "SIZE", "CREATED"});
  if (const json::object* o = reply.if_object()) {
    if (const json::array* images = ArrayField(*o, "images")) {
      for (const auto& v : *images) {
        if (!v.is_object()) continue;
        const auto& img = v.as_object();
        auto size = NumberField(img, "size");
        auto created = NumberField(img, "createdAt");
        table.AddRow({StringField(img, "reference"), ShortDigest(StringField(img, "digest")),
                      size ? HumanSize(static_cast<uint64_t>(*size)) : "",
                      created ? FormatAgo(now, EpochSecondsToMs(*created)) : ""});
      }
    }
  }
  fmt::print("{}", table.Render());
  return 0;
}

Result<int> ImageRmCommand(CliContext& ctx, const std::string& reference) {
  GANTRY_ASSIGN_OR_RETURN(json::value reply,
                          ctx.api.Delete("/v1/images/" + EncodePathSegment(reference)));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
  } else {
    fmt::print("Deleted: {}\n", reference);
  }
  return 0;
}

}  // namespace gantry::cli
