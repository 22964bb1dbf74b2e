#!/usr/bin/env bash
# Packs NetGen, then builds and runs README.md's Quick start Program.cs in a fresh console project
# outside the repository that gets NetGen from the packed folder only (NuGet's registry supplies
# System.Numerics.Tensors, from the local cache when it is there). Fails unless the loss falls.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/netgen-pack-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# A version no registry has, so the package can only come from our folder, and a package cache of
# our own (falling back to the user's for everything else), so a stale NetGen is never reused.
version="0.0.0-smoke.$(date +%s)"
feed="$work/feed"
dotnet pack "$repo/src/NetGen/NetGen.csproj" -c Release -o "$feed" -p:Version="$version" --nologo -v quiet -clp:NoSummary
nupkg="$feed/NetGen.$version.nupkg"
[ -f "$nupkg" ] || { echo "pack-smoke: $nupkg was not produced"; exit 1; }
echo "pack-smoke: packed $(basename "$nupkg") ($(stat -c %s "$nupkg") bytes)"

app="$work/app"
mkdir -p "$app"
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
    <packageSource key="local"><package pattern="NetGen" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cat > "$app/Smoke.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="NetGen" Version="$version" />
  </ItemGroup>
</Project>
XML
# Keep the repository's Directory.Build.* and global settings out: the app sits under /tmp, not the repo.
# Program.cs is the first csharp block after "## Quick start" in README.md, verbatim.
awk '/^## Quick start/{q=1} q&&/^```csharp$/{c=1;next} c&&/^```$/{exit} c{print}' "$repo/README.md" > "$app/Program.cs"
[ -s "$app/Program.cs" ] || { echo "pack-smoke: no csharp block under '## Quick start' in README.md"; exit 1; }

dotnet build "$app/Smoke.csproj" -c Release --nologo -v quiet -clp:NoSummary
output="$(dotnet "$app/bin/Release/net10.0/Smoke.dll")"
echo "$output" | sed 's/^/pack-smoke:   /'

# The loss on the first printed line must be well above the loss on the last.
losses="$(echo "$output" | sed -n 's/.*loss \([0-9.]*\).*/\1/p')"
first="$(echo "$losses" | head -n1)"
last="$(echo "$losses" | tail -n1)"
if [ -z "$first" ] || ! awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a * 0.7) }'; then
  echo "pack-smoke: FAILED: the loss did not fall (first '$first', last '$last')"
  exit 1
fi
echo "pack-smoke: ok, loss $first -> $last, $((SECONDS - start)) s"
