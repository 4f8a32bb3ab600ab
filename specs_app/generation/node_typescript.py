"""The Node.js / TypeScript (Express) project skeleton."""

import json

from .blueprint import Blueprint
from .text import (
    OutFile,
    SpecRecord,
    camel,
    comment_lines,
    kebab,
    make_file,
    one_line,
    unique_names,
)

DRIVERS = {
    "postgresql": ({"pg": "^8.13.1"}, {"@types/pg": "^8.11.10"}),
    "mysql": ({"mysql2": "^3.11.5"}, {}),
    "sqlite": ({"better-sqlite3": "^11.7.0"}, {"@types/better-sqlite3": "^7.6.12"}),
    "mongodb": ({"mongodb": "^6.12.0"}, {}),
}
DEFAULT_URLS = {
    "postgresql": "postgres://postgres:postgres@localhost:5432/{name}",
    "mysql": "mysql://root:mysql@127.0.0.1:3306/{name}",
    "sqlite": "data.sqlite3",
    "mongodb": "mongodb://localhost:27017/{name}",
}
DB_MODULES = {
    "postgresql": """import { Pool } from "pg";

import { config } from "./config";

/** Return a connection pool for the configured PostgreSQL database. */
export function createPool(): Pool {
  return new Pool({ connectionString: config.databaseUrl });
}
""",
    "mysql": """import { createPool as createMysqlPool, type Pool } from "mysql2/promise";

import { config } from "./config";

/** Return a connection pool for the configured MySQL database. */
export function createPool(): Pool {
  return createMysqlPool(config.databaseUrl);
}
""",
    "sqlite": """import Database from "better-sqlite3";

import { config } from "./config";

/** Open the configured SQLite database file. */
export function openDatabase(): Database.Database {
  return new Database(config.databaseUrl);
}
""",
    "mongodb": """import { MongoClient } from "mongodb";

import { config } from "./config";

/** Return a client for the configured MongoDB deployment (call connect() before use). */
export function createClient(): MongoClient {
  return new MongoClient(config.databaseUrl);
}
""",
}
SERVICE_IMAGES = {
    "postgresql": (
        "postgres",
        "postgres:{version}",
        "5432",
        "POSTGRES_PASSWORD: postgres\n          POSTGRES_DB: {name}",
        "pg_isready",
    ),
    "mysql": (
        "mysql",
        "mysql:{version}",
        "3306",
        "MYSQL_ROOT_PASSWORD: mysql\n          MYSQL_DATABASE: {name}",
        '"mysqladmin ping -h 127.0.0.1"',
    ),
    "mongodb": ("mongo", "mongo:7", "27017", "", '"mongosh --quiet --eval 1"'),
}


def _ids(bp: Blueprint):
    return bp.plan.stack_spec_ids


def _db_ids(bp: Blueprint):
    return bp.plan.database_spec_ids


def _db_name(bp: Blueprint) -> str:
    return bp.npm_name.replace("-", "_")


def module_names(bp: Blueprint) -> list[str]:
    """Return one unique file name per feature category."""
    return unique_names(
        (kebab(category, fallback="category") for category, _ in bp.feature_groups),
        taken=("config",),
    )


def _package_json(bp: Blueprint) -> OutFile:
    dependencies, dev_types = DRIVERS[bp.plan.database]
    package = {
        "name": bp.npm_name,
        "version": "0.1.0",
        "private": True,
        "description": one_line(bp.description or bp.name, 200),
        "main": "dist/index.js",
        "scripts": {
            "build": "tsc -p tsconfig.json",
            "start": "node dist/index.js",
            "dev": "tsx watch src/index.ts",
            "test": "vitest run",
            "test:coverage": "vitest run --coverage",
        },
        "dependencies": {"express": "^4.21.2", **dependencies},
        "devDependencies": {
            "@types/express": "^4.17.21",
            "@types/node": f"^{bp.plan.node_version}.0.0",
            **dev_types,
            "@vitest/coverage-v8": "^2.1.8",
            "tsx": "^4.19.2",
            "typescript": "^5.7.2",
            "vitest": "^2.1.8",
        },
        "engines": {"node": f">={bp.plan.node_version}"},
    }
    ids = (*_ids(bp), *_db_ids(bp), *(s.id for s in bp.testing_specs if "coverage" in s.key))
    ids = tuple(dict.fromkeys(ids))
    if ids:
        # JSON has no comments: the ids travel in a field npm ignores.
        package["socrates"] = {"implementsSpecifications": [str(i) for i in ids]}
    return make_file("package.json", json.dumps(package, indent=2) + "\n", ids, None)


def _tsconfig(bp: Blueprint) -> OutFile:
    config = {
        "compilerOptions": {
            "target": "ES2022",
            "module": "commonjs",
            "rootDir": "src",
            "outDir": "dist",
            "strict": True,
            "esModuleInterop": True,
            "skipLibCheck": True,
            "forceConsistentCasingInFileNames": True,
        },
        "include": ["src"],
    }
    # tsconfig.json is JSON with comments, so the marker can be a // line.
    return make_file("tsconfig.json", json.dumps(config, indent=2), _ids(bp), "//")


def _vitest_config(bp: Blueprint) -> OutFile:
    thresholds = f"\n      thresholds: {{ lines: {bp.min_coverage} }}," if bp.min_coverage else ""
    body = f"""import {{ defineConfig }} from "vitest/config";

export default defineConfig({{
  test: {{
    include: ["tests/**/*.test.ts"],
    coverage: {{
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/index.ts"],{thresholds}
    }},
  }},
}});
"""
    return make_file(
        "vitest.config.ts", body, [s.id for s in bp.testing_specs if "coverage" in s.key], "//"
    )


def _sources(bp: Blueprint) -> list[OutFile]:
    default_url = DEFAULT_URLS[bp.plan.database].format(name=_db_name(bp))
    config = f"""/** Settings read from the environment, with local defaults. */
export const config = {{
  port: Number(process.env.PORT ?? 3000),
  databaseUrl: process.env.DATABASE_URL ?? {json.dumps(default_url)},
  database: {json.dumps(bp.plan.database)},
}} as const;
"""
    app = """import express from "express";

/** Build the HTTP application (without listening, so tests can use it). */
export function createApp() {
  const app = express();
  app.use(express.json());
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  return app;
}
"""
    index = """import { createApp } from "./app";
import { config } from "./config";

createApp().listen(config.port, () => {
  console.log(`listening on port ${config.port}`);
});
"""
    return [
        make_file("src/config.ts", config, _db_ids(bp), "//"),
        make_file("src/db.ts", DB_MODULES[bp.plan.database], _db_ids(bp), "//"),
        make_file("src/app.ts", app, _ids(bp), "//"),
        make_file("src/index.ts", index, _ids(bp), "//"),
    ]


def _function_names(specs: tuple[SpecRecord, ...]) -> list[str]:
    return unique_names(camel(spec.key, fallback="requirement") for spec in specs)


def _feature_module(category: str, module: str, specs: tuple[SpecRecord, ...]) -> OutFile:
    parts = [
        f"// Stubs of {module}: one per specification; replace each with the real behaviour.\n"
        f"{comment_lines(f'Category: {one_line(category)}', '//')}\n"
    ]
    for spec, name in zip(specs, _function_names(specs), strict=True):
        message = json.dumps(f"Not implemented: {spec.full_key} (specification {spec.id})")
        parts.append(
            f"\n{comment_lines(f'Requirement {spec.id} ({spec.full_key}):', '//')}\n"
            f"{comment_lines(spec.text, '//')}\n"
            f"export function {name}(): never {{\n"
            f"  throw new Error({message});\n"
            "}\n"
        )
    return make_file(f"src/features/{module}.ts", "".join(parts), [s.id for s in specs], "//")


def _feature_tests(category: str, module: str, specs: tuple[SpecRecord, ...]) -> OutFile:
    alias = camel(module, fallback="feature")
    parts = [
        f"// Tests of {module}: one per requirement. Each is expected to fail until its stub\n"
        "// is implemented; then `it.fails` turns red: write the real test.\n"
        'import { describe, it } from "vitest";\n\n'
        f'import * as {alias} from "../src/features/{module}";\n\n'
        f"describe({json.dumps(category)}, () => {{\n"
    ]
    for spec, name in zip(specs, _function_names(specs), strict=True):
        title = json.dumps(f"{spec.full_key}: {one_line(spec.text, 100)}")
        parts.append(
            f"{comment_lines(f'Requirement {spec.id} ({spec.full_key}):', '  //')}\n"
            f"{comment_lines(spec.text, '  //')}\n"
            f"  it.fails({title}, () => {{\n"
            f"    {alias}.{name}();\n"
            "  });\n"
        )
    parts.append("});\n")
    return make_file(f"tests/{module}.test.ts", "".join(parts), [s.id for s in specs], "//")


def _config_test(bp: Blueprint) -> OutFile:
    body = f"""import {{ describe, expect, it }} from "vitest";

import {{ createApp }} from "../src/app";
import {{ config }} from "../src/config";

describe("configuration", () => {{
  it("uses the chosen database", () => {{
    expect(config.database).toBe({json.dumps(bp.plan.database)});
  }});

  it("builds the application", () => {{
    expect(typeof createApp()).toBe("function");
  }});
}});
"""
    return make_file("tests/config.test.ts", body, (*_ids(bp), *_db_ids(bp)), "//")


def _ci(bp: Blueprint) -> OutFile:
    name = _db_name(bp)
    services, env = "", ""
    if bp.plan.database in SERVICE_IMAGES:
        service, image, port, service_env, health = SERVICE_IMAGES[bp.plan.database]
        env_block = (
            f"        env:\n          {service_env.format(name=name)}\n" if service_env else ""
        )
        services = f"""    services:
      {service}:
        image: {image.format(version=bp.plan.database_version)}
{env_block}        ports: ["{port}:{port}"]
        options: >-
          --health-cmd {health} --health-interval 5s --health-timeout 5s --health-retries 20
"""
    env = f"""    env:
      DATABASE_URL: {json.dumps(DEFAULT_URLS[bp.plan.database].format(name=name))}
"""
    test_command = "npm run test:coverage" if bp.min_coverage else "npm test"
    notes = "".join(
        f"{comment_lines(f'{s.full_key}: {one_line(s.text)}', '#')}\n" for s in bp.testing_specs
    )
    body = f"""{notes}name: CI

on:
  push:
  pull_request:

jobs:
  test:
    runs-on: ubuntu-latest
{services}{env}    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: "{bp.plan.node_version}"
      - run: npm install
      - run: npm run build
      - run: {test_command}
"""
    return make_file(
        ".github/workflows/ci.yml",
        body,
        (*(s.id for s in bp.testing_specs), *_ids(bp), *_db_ids(bp)),
        "#",
    )


def _misc(bp: Blueprint) -> list[OutFile]:
    dockerfile = f"""FROM node:{bp.plan.node_version}-slim AS build
WORKDIR /app
COPY package.json ./
RUN npm install
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:{bp.plan.node_version}-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
EXPOSE 3000
CMD ["node", "dist/index.js"]
"""
    gitignore = "node_modules/\ndist/\ncoverage/\n.env\n"
    if bp.plan.database == "sqlite":
        gitignore += "*.sqlite3\n"
    env = f"PORT=3000\nDATABASE_URL={DEFAULT_URLS[bp.plan.database].format(name=_db_name(bp))}\n"
    return [
        make_file("Dockerfile", dockerfile, _ids(bp), "#"),
        make_file(".gitignore", gitignore, _ids(bp), "#"),
        make_file(".env.example", env, _db_ids(bp), "#"),
    ]


def files(bp: Blueprint) -> list[OutFile]:
    """Return every stack-specific file of the Node.js / TypeScript skeleton."""
    out = [
        _package_json(bp),
        _tsconfig(bp),
        _vitest_config(bp),
        *_sources(bp),
        _config_test(bp),
        _ci(bp),
        *_misc(bp),
    ]
    for (category, specs), module in zip(bp.feature_groups, module_names(bp), strict=True):
        out.append(_feature_module(category, module, specs))
        out.append(_feature_tests(category, module, specs))
    return out


def getting_started(bp: Blueprint) -> str:
    return """```sh
npm install
cp .env.example .env   # then export its variables, or set them in your environment
npm run dev
npm test
```

Each requirement has a stub in `src/features/` and a test in `tests/` that is expected to
fail until the stub is implemented."""
