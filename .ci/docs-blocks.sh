#!/usr/bin/env bash
# Compiles every ```csharp block of README.md and docs/*.md against the packed packages (NetGen,
# NetGen.Training.Console, NetGen.Distributed, NetGen.Data.Csv), in one fresh project outside the
# repository: one file per block, so one build checks them all. Fails, naming the markdown line,
# when a block does not compile (warnings included).
#
# How a block becomes a file (write blocks so that this holds):
# - Leading `using` lines stay the file's usings. A block without any is a fragment and gets
#   `using` of every public NetGen namespace instead.
# - Column-0 attribute lines and the type declaration they lead to (`partial class X;`, or a braced
#   body) are declarations; every other line is a statement. Statements run, in block order, inside
#   a method that returns int (so `return DataParallel.Run(...)` compiles) of a class derived from
#   .ci/docs-blocks/Given.cs, which declares what fragments use without declaring (images, labels,
#   MnistMlp, ...). Each block has its own namespace, so two blocks may declare the same class.
# - A block that must not be compiled (pseudo-code) is preceded by the line
#   `<!-- docs-blocks: skip, because ... -->`.
# Compiler messages point at the markdown file and line (#line directives).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/netgen-docs-blocks.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# A version no registry has, and a package cache of our own (falling back to the user's), as pack-smoke.sh does.
version="0.0.0-docs.$(date +%s)"
feed="$work/feed"
packages=(NetGen NetGen.Training.Console NetGen.Distributed NetGen.Data.Csv)
for package in "${packages[@]}"; do
  dotnet pack "$repo/src/$package/$package.csproj" -c Release -o "$feed" -p:Version="$version" --nologo -v quiet -clp:NoSummary
  [ -f "$feed/$package.$version.nupkg" ] || { echo "docs-blocks: $package.$version.nupkg was not produced"; exit 1; }
done
echo "docs-blocks: packed ${packages[*]} $version ($((SECONDS - start)) s)"

app="$work/app"
mkdir -p "$app/blocks"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <fallbackPackageFolders>
    <add key="user" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" />
  </fallbackPackageFolders>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="NetGen" /><package pattern="NetGen.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
references=""
for package in "${packages[@]}"; do references+="    <PackageReference Include=\"$package\" Version=\"$version\" />"$'\n'; done
# CS0162: the `return 0;` after a block that returns itself. Everything else a block causes is an error.
cat > "$app/DocsBlocks.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <NoWarn>\$(NoWarn);CS0162</NoWarn>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
  <ItemGroup>
$references  </ItemGroup>
  <ItemGroup>
    <!-- The files the blocks' [OnnxModel] declarations name, as the README's xml block adds them to a project. -->
    <AdditionalFiles Include="$repo/samples/OnnxImport/models/digits_cnn.onnx" />
  </ItemGroup>
</Project>
XML
cp "$repo/.ci/docs-blocks/Given.cs" "$app/Given.cs"

count=0
for markdown in "$repo/README.md" "$repo"/docs/*.md; do
  name="${markdown#"$repo/"}"
  id="$(echo "$name" | sed 's/[^A-Za-z0-9]/_/g')"
  awk -v name="$name" -v path="$markdown" -v id="$id" -v out="$app/blocks" '
    function count(text, pattern,   copy) { copy = text; return gsub(pattern, "", copy) }
    function add(kind, line) {
      # A #line directive starts every run of consecutive lines, so messages name the markdown line.
      if (kind == "decl") { if (lastDecl != NR - 1) decls = decls "#line " NR " \"" path "\"\n"; decls = decls line "\n"; lastDecl = NR }
      else { if (lastStatement != NR - 1) statements = statements "#line " NR " \"" path "\"\n"; statements = statements line "\n"; lastStatement = NR }
    }
    function emit(   file) {
      if (skip) { skipped++; return }
      file = sprintf("%s/%s_%04d.cs", out, id, start)
      if (usings == "") usings = "using NetGen;\nusing NetGen.Checkpoints;\nusing NetGen.Data;\nusing NetGen.Distributed;\nusing NetGen.Onnx;\nusing NetGen.Search;\nusing NetGen.Text;\nusing NetGen.Training;\n"
      printf "// %s, the csharp block at line %d\n%snamespace DocsBlocks.%s_%04d;\n\n%s\nfile sealed class Block : global::DocsBlocks.Given\n{\n    internal int Run()\n    {\n%s#line default\n        return 0;\n    }\n}\n", name, start, usings, id, start, decls, statements > file
      close(file)
      emitted++
    }
    /^```csharp[ \t]*$/ && !inside {
      inside = 1; start = NR; usings = ""; decls = ""; statements = ""; lastDecl = -1; lastStatement = -1
      begun = 0; attributes = 0; depth = 0; awaiting = 0; skip = (previous ~ /<!-- docs-blocks: skip/)
      next
    }
    inside && /^```[ \t]*$/ { inside = 0; emit(); next }
    inside {
      line = $0
      if (depth > 0 || awaiting) {
        add("decl", line)
        if (awaiting && line ~ /\{/) awaiting = 0
        depth += count(line, "\\{") - count(line, "\\}")
        if (depth < 0) depth = 0
        next
      }
      if (!begun && line ~ /^using [A-Za-z0-9_.= ]+;[ \t]*$/) { usings = usings line "\n"; next }
      if (!begun && line ~ /^[ \t]*$/) next
      begun = 1
      if (line ~ /^\[/) { add("decl", line); attributes = 1; next }
      if (line ~ /^((public|internal|file|partial|static|sealed|abstract) )*(class|record|struct|interface|enum) /) {
        add("decl", line); attributes = 0
        if (line ~ /;[ \t]*(\/\/.*)?$/) next
        if (line ~ /\{/) { depth = count(line, "\\{") - count(line, "\\}"); next }
        awaiting = 1; next
      }
      if (attributes && line ~ /^[ \t]*(\/\/.*)?$/) { add("decl", line); next }
      add("statement", line)
      next
    }
    { if ($0 !~ /^[ \t]*$/) previous = $0 }
    END { printf "%d %d\n", emitted, skipped > "/dev/stderr" }
  ' "$markdown" 2> "$work/counts"
  read -r emitted skipped < "$work/counts"
  echo "docs-blocks: $name: $emitted block(s)$([ "$skipped" -gt 0 ] && echo ", $skipped skipped as marked")"
  count=$((count + emitted))
done

if ! dotnet build "$app/DocsBlocks.csproj" -c Release --nologo -v quiet -clp:NoSummary > "$work/build.log" 2>&1; then
  grep -E "(error|warning) [A-Z]+[0-9]+" "$work/build.log" | sed -e "s|$repo/||" -e "s| \[$app/DocsBlocks.csproj\]||" | sort -u | sed 's/^/docs-blocks: /'
  trap - EXIT
  echo "docs-blocks: FAILED: a code block above does not compile (the files it became are kept in $app/blocks)"
  exit 1
fi
echo "docs-blocks: ok, $count blocks compile against the packages, $((SECONDS - start)) s"
