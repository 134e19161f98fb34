// Checks docker/compose.yaml, docker/prometheus.yml and the Grafana provisioning against each other and against
// src/main/resources/application-postgres.yml. Run by docker/test-container-path.sh (needs the npm package 'yaml',
// which dclint brings; NODE_PATH points at it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const docker = __dirname;
const root = path.dirname(docker);
const problems = [];
const check = (condition, message) => { if (!condition) problems.push(message); };
const read = (file) => fs.readFileSync(path.join(root, file), 'utf8');

const compose = YAML.parse(read('docker/compose.yaml'));
const services = compose.services || {};
for (const name of ['relay', 'postgres', 'mailpit', 'prometheus', 'grafana']) {
  check(services[name], `compose.yaml has no '${name}' service`);
}
const relay = services.relay || {};
const env = relay.environment || {};
const postgres = services.postgres || {};
const pgEnv = postgres.environment || {};

check(String(postgres.image).startsWith('postgres:17'), `postgres runs ${postgres.image}, not PostgreSQL 17`);
check(relay.build && relay.build.dockerfile === 'docker/Dockerfile' && relay.build.context === '..',
  'relay must be built from docker/Dockerfile with the repository root as context');
check(env.SPRING_PROFILES_ACTIVE === 'postgres', 'relay must run with SPRING_PROFILES_ACTIVE=postgres');
check(env.SPRING_MAIL_HOST === 'mailpit', 'relay must send mail to mailpit (SPRING_MAIL_HOST)');
for (const name of ['RELAY_WEBHOOK_SECRETS', 'SPRING_SECURITY_USER_NAME', 'SPRING_SECURITY_USER_PASSWORD']) {
  check(env[name], `relay has no ${name}`);
}

// Every variable that application-postgres.yml reads is set for relay.
const placeholders = [...read('src/main/resources/application-postgres.yml').matchAll(/\$\{([A-Z0-9_]+)(?::[^}]*)?\}/g)]
  .map((m) => m[1]);
check(placeholders.length >= 3, 'application-postgres.yml reads fewer variables than expected');
for (const name of placeholders) check(env[name] !== undefined, `relay does not set ${name}, read by application-postgres.yml`);

// The JDBC URL, user and password point at the postgres service as it is configured.
const url = /^jdbc:postgresql:\/\/([^:/]+)(?::(\d+))?\/([^?]+)/.exec(env.RELAY_DB_URL || '');
check(url, `RELAY_DB_URL '${env.RELAY_DB_URL}' is not a PostgreSQL JDBC URL`);
if (url) {
  check(services[url[1]] === postgres, `RELAY_DB_URL points at '${url[1]}', not the postgres service`);
  check(url[3] === pgEnv.POSTGRES_DB, `RELAY_DB_URL names database '${url[3]}', postgres creates '${pgEnv.POSTGRES_DB}'`);
}
check(env.RELAY_DB_USERNAME === pgEnv.POSTGRES_USER, 'RELAY_DB_USERNAME differs from POSTGRES_USER');
check(env.RELAY_DB_PASSWORD === pgEnv.POSTGRES_PASSWORD, 'RELAY_DB_PASSWORD differs from POSTGRES_PASSWORD');
check((relay.depends_on || {}).postgres && relay.depends_on.postgres.condition === 'service_healthy',
  'relay must wait for a healthy postgres');

// Files mounted from the repository exist.
for (const [name, service] of Object.entries(services)) {
  for (const volume of service.volumes || []) {
    const source = String(volume).split(':')[0];
    if (source.startsWith('.')) check(fs.existsSync(path.join(docker, source)), `${name} mounts ${source}, which does not exist`);
  }
}

// Prometheus scrapes relay with the operator's credentials from the compose secret.
const prometheus = YAML.parse(read('docker/prometheus.yml'));
const job = (prometheus.scrape_configs || []).find((c) => c.job_name === 'relay');
check(job, 'prometheus.yml has no relay job');
if (job) {
  check(job.metrics_path === '/actuator/prometheus', 'the relay job must scrape /actuator/prometheus');
  const auth = job.basic_auth || {};
  check(auth.username === env.SPRING_SECURITY_USER_NAME,
    `prometheus.yml scrapes as '${auth.username}', Relay's user is '${env.SPRING_SECURITY_USER_NAME}'`);
  const secrets = (services.prometheus || {}).secrets || [];
  check(secrets.some((s) => auth.password_file === `/run/secrets/${s.source || s}`),
    `prometheus reads its password from ${auth.password_file}, which is not one of its compose secrets`);
  for (const s of secrets) {
    const definition = (compose.secrets || {})[s.source || s] || {};
    check(definition.environment && String(env.SPRING_SECURITY_USER_PASSWORD).includes(definition.environment),
      `the ${s.source || s} secret and SPRING_SECURITY_USER_PASSWORD do not come from the same variable`);
  }
  for (const file of prometheus.rule_files || []) {
    check(((services.prometheus || {}).volumes || []).some((v) => String(v).split(':')[1] === file),
      `prometheus.yml loads ${file}, which compose.yaml does not mount`);
  }
  const targets = (job.static_configs || []).flatMap((c) => c.targets || []);
  const relayPort = String((relay.ports || [])[0] || '').split(':').pop();
  check(targets.includes(`relay:${relayPort}`), `prometheus targets ${targets}, not relay:${relayPort}`);
}

// Grafana: the provisioned datasource is the one the dashboard uses, and the dashboard is where the provider looks.
const datasource = YAML.parse(fs.readFileSync(path.join(docker, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8'))
  .datasources[0];
check(datasource.url === 'http://prometheus:9090', `the Grafana datasource points at ${datasource.url}`);
const provider = YAML.parse(fs.readFileSync(path.join(docker, 'grafana/provisioning/dashboards/relay.yaml'), 'utf8'))
  .providers[0];
check(((services.grafana || {}).volumes || []).some((v) => String(v).split(':')[1] === `${provider.options.path}/relay-dashboard.json`),
  `the dashboard is not mounted into ${provider.options.path}, where the provider looks`);
const dashboard = JSON.parse(fs.readFileSync(path.join(docker, 'grafana/relay-dashboard.json'), 'utf8'));
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const expressions = panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
for (const p of panels) {
  check(p.datasource && p.datasource.uid === datasource.uid, `panel '${p.title}' does not use the provisioned datasource`);
}
for (const metric of ['relay_webhook_deliveries_total', 'relay_webhook_ack_seconds_bucket', 'relay_inbox_batch_size',
  'relay_inbox_queue', 'relay_dispatch_backlog', 'relay_dispatch_oldest_pending_age_seconds',
  'relay_dispatch_deliveries_total', 'relay_dispatch_handler_duration_seconds', 'relay_dispatch_dead',
  'relay_iadvize_api_requests_seconds']) {
  check(expressions.includes(metric), `the dashboard does not show ${metric}`);
}

if (problems.length) {
  for (const p of problems) console.error(`check-compose: ${p}`);
  process.exit(1);
}
console.error(`check-compose: ${Object.keys(services).length} services, ${panels.length} panels: consistent`);
