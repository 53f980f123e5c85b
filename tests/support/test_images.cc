#include "support/test_images.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include <boost/json.hpp>

#include "common/file_util.h"
#include "common/process.h"

namespace gantry::testing {

namespace json = boost::json;

namespace {

constexpr time_t kMtime = 1700000000;  // fixed, so equal inputs give equal digests

struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
using Writer = std::unique_ptr<struct archive, WriteFree>;
struct EntryFree {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t AppendToString(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

Error ArchiveError(struct archive* a, std::string_view what) {
  const char* s = archive_error_string(a);
  return MakeError(ErrorCode::kInternal, "{}: {}", what, s ? s : "libarchive error");
}

Result<void> AddEntry(struct archive* a, const LayerEntry& e) {
  std::unique_ptr<struct archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), e.path.c_str());
  archive_entry_set_uid(entry.get(), e.uid);
  archive_entry_set_gid(entry.get(), e.gid);
  archive_entry_set_mtime(entry.get(), kMtime, 0);
  switch (e.type) {
    case LayerEntry::Type::kFile:
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), e.mode);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.data.size()));
      break;
    case LayerEntry::Type::kDir:
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      archive_entry_set_perm(entry.get(), e.mode);
      break;
    case LayerEntry::Type::kSymlink:
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_perm(entry.get(), 0777);
      archive_entry_set_symlink(entry.get(), e.link.c_str());
      break;
    case LayerEntry::Type::kHardlink:
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), e.mode);
      archive_entry_set_hardlink(entry.get(), e.link.c_str());
      archive_entry_set_size(entry.get(), 0);
      break;
  }
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) return ArchiveError(a, e.path);
  if (e.type == LayerEntry::Type::kFile && !e.data.empty()) {
    if (archive_write_data(a, e.data.data(), e.data.size()) < 0) return ArchiveError(a, e.path);
  }
  return Ok();
}

Result<std::string> Compress(const std::string& tar, LayerCompression c) {
  if (c == LayerCompression::kNone) return tar;
  Writer a(archive_write_new());
  archive_write_set_format_raw(a.get());
  if (c == LayerCompression::kGzip) {
    archive_write_add_filter_gzip(a.get());
    archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
  } else {
    if (archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "zstd");
  }
  archive_write_set_bytes_in_last_block(a.get(), 1);
  std::string out;
  archive_write_open(a.get(), &out, nullptr, AppendToString, nullptr);
  std::unique_ptr<struct archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), "layer.tar");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(tar.size()));
  if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "raw");
  if (archive_write_data(a.get(), tar.data(), tar.size()) < 0) return ArchiveError(a.get(), "raw");
  if (archive_write_close(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "compress");
  return out;
}

std::string_view MediaType(LayerCompression c) {
  switch (c) {
    case LayerCompression::kNone: return "application/vnd.oci.image.layer.v1.tar";
    case LayerCompression::kGzip: return "application/vnd.oci.image.layer.v1.tar+gzip";
    case LayerCompression::kZstd: return "application/vnd.oci.image.layer.v1.tar+zstd";
  }
  return "";
}

std::string Hex(std::string_view digest) { return std::string(digest.substr(7)); }

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string ConfigJson(const TestImageConfig& c, const std::vector<BuiltLayer>& layers) {
  json::object cfg;
  if (!c.entrypoint.empty()) cfg["Entrypoint"] = ToArray(c.entrypoint);
  if (!c.cmd.empty()) cfg["Cmd"] = ToArray(c.cmd);
  if (!c.env.empty()) cfg["Env"] = ToArray(c.env);
  if (!c.working_dir.empty()) cfg["WorkingDir"] = c.working_dir;
  if (!c.user.empty()) cfg["User"] = c.user;
  json::array diff_ids;
  for (const auto& l : layers) diff_ids.emplace_back(l.diff_id);
  json::object root;
  root["architecture"] = "amd64";
  root["os"] = "linux";
  root["config"] = std::move(cfg);
  root["rootfs"] = json::object{{"type", "layers"}, {"diff_ids", std::move(diff_ids)}};
  return json::serialize(root);
}

Result<std::vector<BuiltLayer>> BuildLayers(const std::vector<ExtraLayer>& layers) {
  std::vector<BuiltLayer> out;
  for (const auto& l : layers) {
    auto built = BuildLayer(l.entries, l.compression);
    if (!built.ok()) return std::move(built).error();
    out.push_back(std::move(*built));
  }
  return out;
}

Result<std::vector<ExtraLayer>> BusyboxPlus(const std::vector<ExtraLayer>& extra) {
  auto base = BusyboxRootfsEntries();
  if (!base.ok()) return std::move(base).error();
  std::vector<ExtraLayer> all{ExtraLayer{std::move(*base), LayerCompression::kGzip}};
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

}  // namespace

LayerEntry LayerEntry::File(std::string path, std::string data, unsigned mode) {
  LayerEntry e;
  e.type = Type::kFile;
  e.path = std::move(path);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}
LayerEntry LayerEntry::Dir(std::string path, unsigned mode) {
  LayerEntry e;
  e.type = Type::kDir;
  e.path = std::move(path);
  e.mode = mode;
  return e;
}
LayerEntry LayerEntry::Symlink(std::string path, std::string target) {
  LayerEntry e;
  e.type = Type::kSymlink;
  e.path = std::move(path);
  e.link = std::move(target);
  return e;
}
LayerEntry LayerEntry::Hardlink(std::string path, std::string target) {
  LayerEntry e;
  e.type = Type::kHardlink;
  e.path = std::move(path);
  e.link = std::move(target);
  return e;
}
LayerEntry LayerEntry::Whiteout(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? ".wh." + path
                                                : path.substr(0, slash + 1) + ".wh." +
                                                      path.substr(slash + 1);
  return File(std::move(name), "", 0644);
}
LayerEntry LayerEntry::Opaque(const std::string& dir) {
  return File(dir.empty() ? ".wh..wh..opq" : dir + "/.wh..wh..opq", "", 0644);
}

std::string Sha256Digest(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

Result<BuiltLayer> BuildLayer(const std::vector<LayerEntry>& entries,
                              LayerCompression compression) {
  Writer a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  std::string tar;
  if (archive_write_open(a.get(), &tar, nullptr, AppendToString, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "open layer tar");
  }
  for (const auto& e : entries) {
    auto r = AddEntry(a.get(), e);
    if (!r.ok()) return std::move(r).error();
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "close layer tar");
  BuiltLayer out;
  out.diff_id = Sha256Digest(tar);
  auto blob = Compress(tar, compression);
  if (!blob.ok()) return std::move(blob).error();
  out.blob = std::move(*blob);
  out.digest = Sha256Digest(out.blob);
  out.media_type = MediaType(compression);
  return out;
}

Result<std::vector<LayerEntry>> BusyboxRootfsEntries() {
  auto binary = ReadFile("/bin/busybox");
  if (!binary.ok()) return std::move(binary).error();
  auto list = RunProcess({.argv = {"/bin/busybox", "--list"}});
  if (!list.ok()) return std::move(list).error();
  if (list->exit_code != 0) {
    return MakeError(ErrorCode::kInternal, "busybox --list exited {}", list->exit_code);
  }
  std::vector<LayerEntry> e;
  for (const char* d : {"bin", "dev", "etc", "proc", "sys", "usr", "usr/bin", "var"}) {
    e.push_back(LayerEntry::Dir(d));
  }
  e.push_back(LayerEntry::Dir("root", 0700));
  e.push_back(LayerEntry::Dir("tmp", 01777));
  e.push_back(LayerEntry::File("bin/busybox", std::move(*binary), 0755));
  std::istringstream names(list->out);
  std::string name;
  while (std::getline(names, name)) {
    if (name.empty() || name == "busybox" || name.find('/') != std::string::npos) continue;
    e.push_back(LayerEntry::Symlink("bin/" + name, "busybox"));
  }
  e.push_back(LayerEntry::File("etc/passwd",
                               "root:x:0:0:root:/root:/bin/sh\n"
                               "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"));
  e.push_back(LayerEntry::File("etc/group", "root:x:0:\nnogroup:x:65534:\n"));
  return e;
}

TestImageConfig BusyboxConfig() {
  TestImageConfig c;
  c.cmd = {"sh"};
  c.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  return c;
}

Result<std::string> BuildOciLayout(const std::string& dir, const std::string& ref_name,
                                   const std::vector<ExtraLayer>& layers,
                                   const TestImageConfig& config) {
  auto built = BuildLayers(layers);
  if (!built.ok()) return std::move(built).error();
  const std::string blobs = dir + "/blobs/sha256";
  if (auto r = MakeDirs(blobs); !r.ok()) return std::move(r).error();
  auto put = [&](const std::string& data) -> Result<std::string> {
    std::string digest = Sha256Digest(data);
    auto r = WriteFileAtomic(blobs + "/" + Hex(digest), data);
    if (!r.ok()) return std::move(r).error();
    return digest;
  };

  json::array layer_descs;
  for (const auto& l : *built) {
    auto d = put(l.blob);
    if (!d.ok()) return std::move(d).error();
    layer_descs.push_back(json::object{{"mediaType", l.media_type},
                                       {"digest", l.digest},
                                       {"size", static_cast<int64_t>(l.blob.size())}});
  }
  std::string config_json = ConfigJson(config, *built);
  auto config_digest = put(config_json);
  if (!config_digest.ok()) return std::move(config_digest).error();
  json::object manifest{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", json::object{{"mediaType", "application/vnd.oci.image.config.v1+json"},
                              {"digest", *config_digest},
                              {"size", static_cast<int64_t>(config_json.size())}}},
      {"layers", std::move(layer_descs)}};
  std::string manifest_json = json::serialize(manifest);
  auto manifest_digest = put(manifest_json);
  if (!manifest_digest.ok()) return std::move(manifest_digest).error();

  json::object desc{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                    {"digest", *manifest_digest},
                    {"size", static_cast<int64_t>(manifest_json.size())}};
  if (!ref_name.empty()) {
    desc["annotations"] = json::object{{"org.opencontainers.image.ref.name", ref_name}};
  }
  json::object index{{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.index.v1+json"},
                     {"manifests", json::array{std::move(desc)}}};
  if (auto r = WriteFileAtomic(dir + "/index.json", json::serialize(index)); !r.ok()) {
    return std::move(r).error();
  }
  if (auto r = WriteFileAtomic(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})"); !r.ok()) {
    return std::move(r).error();
  }
  return *manifest_digest;
}

Result<std::string> BuildBusyboxOciLayout(const std::string& dir, const std::string& ref_name,
                                          const std::vector<ExtraLayer>& extra_layers) {
  auto layers = BusyboxPlus(extra_layers);
  if (!layers.ok()) return std::move(layers).error();
  return BuildOciLayout(dir, ref_name, *layers, BusyboxConfig());
}

Result<std::string> BuildBusyboxDockerArchive(const std::string& tar_path,
                                              const std::string& repo_tag,
                                              const std::vector<ExtraLayer>& extra_layers) {
  auto layers = BusyboxPlus(extra_layers);
  if (!layers.ok()) return std::move(layers).error();
  for (auto& l : *layers) l.compression = LayerCompression::kNone;  // as `docker save` writes
  auto built = BuildLayers(*layers);
  if (!built.ok()) return std::move(built).error();

  std::vector<LayerEntry> files;
  json::array layer_paths;
  for (const auto& l : *built) {
    std::string id = Hex(l.digest);
    files.push_back(LayerEntry::Dir(id));
    files.push_back(LayerEntry::File(id + "/VERSION", "1.0"));
    files.push_back(LayerEntry::File(id + "/layer.tar", l.blob));
    layer_paths.emplace_back(id + "/layer.tar");
  }
  std::string config_json = ConfigJson(BusyboxConfig(), *built);
  std::string config_digest = Sha256Digest(config_json);
  files.push_back(LayerEntry::File(Hex(config_digest) + ".json", config_json));
  json::object entry{{"Config", Hex(config_digest) + ".json"}, {"Layers", std::move(layer_paths)}};
  if (repo_tag.empty()) {
    entry["RepoTags"] = nullptr;
  } else {
    entry["RepoTags"] = json::array{json::value(repo_tag)};
    size_t colon = repo_tag.rfind(':');
    std::string repo = repo_tag.substr(0, colon), tag = repo_tag.substr(colon + 1);
    files.push_back(LayerEntry::File(
        "repositories",
        json::serialize(json::object{
            {repo, json::object{{tag, Hex(built->back().digest)}}}})));
  }
  files.push_back(LayerEntry::File("manifest.json", json::serialize(json::array{std::move(entry)})));
  auto tar = BuildLayer(files, LayerCompression::kNone);
  if (!tar.ok()) return std::move(tar).error();
  if (auto r = WriteFileAtomic(tar_path, tar->blob); !r.ok()) return std::move(r).error();
  return config_digest;
}

Result<void> PackDirectoryAsTar(const std::string& dir, const std::string& tar_path) {
  std::vector<LayerEntry> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto data = ReadFile(it->path().string());
    if (!data.ok()) return std::move(data).error();
    files.push_back(LayerEntry::File(std::filesystem::relative(it->path(), dir).string(),
                                     std::move(*data)));
  }
  if (ec) return MakeError(ErrorCode::kInternal, "walk {}: {}", dir, ec.message());
  auto tar = BuildLayer(files, LayerCompression::kNone);
  if (!tar.ok()) return std::move(tar).error();
  return WriteFileAtomic(tar_path, tar->blob);
}

}  // namespace gantry::testing
