/**
 * The node configuration (YAML) and its schema. Every field says its expected form, so a wrong
 * field is reported with its path and what was expected. `config/schema.json` is generated from
 * this file (`npm run config:schema`) for editors and operators.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_POLICY } from '../agreements/floors.js';
import { ID_KINDS } from '../datasets/normalise.js';
import { FrequencyConfigSchema } from '../journeys/frequency/config.js';

/**
 * Re-imports a querier may make per data pair and day before this node, as responder, refuses its
 * runs: above a daily refresh with a few corrections, below what a membership probe needs.
 */
const DEFAULT_MAX_QUERIER_REIMPORTS_PER_DAY = 4;

const NAME = '^[a-z][a-z0-9_-]{0,63}$';
const HOST_PORT = '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';
const FINGERPRINT = '^sha256:[0-9a-f]{64}$';

const Name = (description: string) => Type.String({ pattern: NAME, description, examples: ['bank'] });
const HostPort = (description: string) => Type.String({ pattern: HOST_PORT, description, examples: ['127.0.0.1:7443'] });
const FilePath = (description: string) => Type.String({ minLength: 1, description });

const PeerConfigSchema = Type.Object(
  {
    name: Name('Local name for the peer, used on the CLI and in agreements.'),
    address: HostPort('host:port of the peer gRPC endpoint.'),
    fingerprint: Type.String({
      pattern: FINGERPRINT,
      description: "Pinned SHA-256 fingerprint of the peer's certificate (its node id), as sha256:<64 lowercase hex>.",
    }),
    certificate: FilePath("Path to the peer's certificate (PEM), received out of band; must match the fingerprint."),
  },
  { additionalProperties: false },
);

const Webhook = (description: string) =>
  Type.Object(
    {
      url: Type.String({
        minLength: 1,
        description: 'Where alerts are POSTed: an https URL (plain http only to a loopback address).',
        examples: ['https://alerts.example.com/mofang'],
      }),
      secretFile: FilePath('File (mode 0600) holding the HMAC-SHA256 secret the body is signed with, at least 32 characters (docs/alerts.md).'),
      timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000, description: 'An attempt the receiver has not answered within this fails.' }),
      retries: Type.Integer({
        minimum: 0,
        maximum: 10,
        default: 3,
        description: 'Attempts after the first when the receiver fails (5xx, 408, 429, no answer).',
      }),
      retryDelayMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000, description: 'Delay before the first retry; doubles with each.' }),
    },
    { additionalProperties: false, description },
  );

/** A secret given by reference, never inline: a file (mode 0600) or the name of an environment variable. */
const Credential = (description: string) =>
  Type.Union(
    [
      Type.Object({ file: FilePath('File (mode 0600) holding the secret; surrounding whitespace is ignored.') }, { additionalProperties: false }),
      Type.Object(
        { env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$', description: 'Name of the environment variable holding the secret.' }) },
        { additionalProperties: false },
      ),
    ],
    { description, examples: [{ file: './secrets/sms.key' }, { env: 'MOFANG_SMS_KEY' }] },
  );

const HttpsUrl = (description: string, example: string) =>
  Type.String({ minLength: 1, description: `${description} An https URL (plain http only to a loopback address).`, examples: [example] });

/** The settings every reach channel has (docs/reach.md, Configuration). */
const channelCommon = (contact: string) => ({
  enabled: Type.Boolean({ default: true, description: 'Messages on a disabled channel stay in the outbox.' }),
  contactColumn: Type.String({ minLength: 1, maxLength: 200, description: `The dataset column holding the customer's ${contact}.` }),
  rate: Type.Number({ exclusiveMinimum: 0, maximum: 100_000, default: 50, description: 'Messages per second on average (a token bucket).' }),
  burst: Type.Integer({ minimum: 1, maximum: 100_000, default: 50, description: 'Messages that may go at once after a quiet spell.' }),
  concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 8, description: 'Sends in flight at once (for e-mail: SMTP connections in the pool).' }),
  timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'A send the provider has not answered within this is transient.' }),
  maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 6, description: 'Attempts in all; after the last transient failure the message is dead.' }),
  retryBaseMs: Type.Integer({
    minimum: 10,
    maximum: 3_600_000,
    default: 2000,
    description: 'Delay bound of the first retry; doubles with each (full jitter).',
  }),
  retryCapMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 600_000, description: 'No retry waits longer than this.' }),
  costPerMessage: Type.Number({ minimum: 0, default: 0, description: 'What one sent message costs, in the currency the reports use (for ROI).' }),
  callbackSecret: Type.Optional(
    Credential(
      "The HMAC secret, at least 32 characters, the provider signs its status callbacks with (Mofang-Signature); absent: the node refuses this channel's callbacks.",
    ),
  ),
});

/** The settings of the channels the node keeps itself (docs/reach.md, The node-kept channels). */
const localCommon = (item: string) => ({
  enabled: Type.Boolean({ default: true, description: `Messages on a disabled channel stay in the outbox.` }),
  costPerMessage: Type.Number({ minimum: 0, default: 0, description: `What one ${item} costs (staff time), in the currency the reports use (for ROI).` }),
});

const ReachChannels = Type.Object(
  {
    sms: Type.Optional(
      Type.Object(
        {
          ...channelCommon('mobile phone number'),
          endpoint: HttpsUrl('The SMS gateway URL messages are POSTed to.', 'https://sms.example.com/v1/messages'),
          credentials: Credential('The bearer credential of the SMS gateway.'),
          templateId: Type.Optional(
            Type.String({ minLength: 1, maxLength: 128, description: "The gateway's pre-approved template the messages are sent under." }),
          ),
        },
        { additionalProperties: false, description: 'SMS through an HTTP gateway.' },
      ),
    ),
    email: Type.Optional(
      Type.Object(
        {
          ...channelCommon('e-mail address'),
          endpoint: Type.String({
            pattern: '^smtps?://',
            description: 'The SMTP relay: smtp://host:port (STARTTLS, required unless the relay is on a loopback address) or smtps://host:port.',
            examples: ['smtp://relay.bank.example:587'],
          }),
          username: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The relay's user name; absent: no authentication." })),
          credentials: Type.Optional(Credential("The relay's password (with username).")),
          from: Type.String({
            minLength: 3,
            maxLength: 320,
            description: 'The From address; its domain ends each Message-ID.',
            examples: ['Bank Offers <offers@bank.example>'],
          }),
          unsubscribe: Type.Object(
            {
              baseUrl: HttpsUrl('The page that records an unsubscribe; the link adds a token parameter.', 'https://bank.example/unsubscribe'),
              secret: Credential('The HMAC secret unsubscribe tokens are signed with, at least 32 characters.'),
              label: Type.String({ minLength: 1, maxLength: 100, default: 'Unsubscribe / 退订', description: 'The text of the link at the end of each mail.' }),
            },
            { additionalProperties: false },
          ),
          tracking: Type.Optional(
            Type.Object(
              {
                baseUrl: HttpsUrl(
                  "The node's public base of the tracking routes (/v1/reach on the node's HTTP port): the pixel is <baseUrl>/o/<token>, a tracked link <baseUrl>/r/<token>.",
                  'https://mail.bank.example/v1/reach',
                ),
                opens: Type.Boolean({ default: true, description: 'Put an open pixel in the HTML body (off where pixels are not allowed).' }),
                clicks: Type.Boolean({ default: true, description: "Rewrite the HTML body's http(s) links to signed redirects through the node." }),
              },
              {
                additionalProperties: false,
                description: 'Open and click tracking of the HTML body, signed with the unsubscribe secret; absent: neither.',
              },
            ),
          ),
        },
        { additionalProperties: false, description: 'E-mail through an SMTP relay.' },
      ),
    ),
    push: Type.Optional(
      Type.Object(
        {
          ...channelCommon('push token'),
          endpoint: HttpsUrl('The push gateway URL messages are POSTed to.', 'https://push.example.com/v1/send'),
          credentials: Credential('The bearer credential of the push gateway.'),
        },
        { additionalProperties: false, description: 'App push through an HTTP push gateway.' },
      ),
    ),
    wechat: Type.Optional(
      Type.Object(
        {
          ...channelCommon('WeChat openid'),
          endpoint: HttpsUrl('The template-message send URL.', 'https://api.weixin.qq.com/cgi-bin/message/template/send'),
          tokenEndpoint: HttpsUrl('The access-token URL.', 'https://api.weixin.qq.com/cgi-bin/stable_token'),
          appId: Type.String({ minLength: 1, maxLength: 64, description: "The official account's AppID." }),
          credentials: Credential("The official account's AppSecret."),
          templateId: Type.String({ minLength: 1, maxLength: 128, description: 'The template registered with WeChat.' }),
        },
        { additionalProperties: false, description: 'WeChat template messages.' },
      ),
    ),
    webhook: Type.Optional(
      Type.Object(
        {
          ...channelCommon('recipient reference (what the receiving system knows the customer by)'),
          endpoint: HttpsUrl('Where the signed JSON is POSTed.', 'https://crm.bank.example/hooks/mofang'),
          credentials: Credential('The HMAC-SHA256 signing secret, at least 32 characters.'),
        },
        { additionalProperties: false, description: "A signed JSON POST to the bank's own system." },
      ),
    ),
    inbox: Type.Optional(
      Type.Object(localCommon('message'), { additionalProperties: false, description: "The in-app inbox the bank's app reads over the API." }),
    ),
    call: Type.Optional(
      Type.Object(
        {
          ...localCommon('call'),
          contactColumn: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: "The dataset column holding the customer's phone number, shown to the call centre; absent: call lists carry no phone number.",
            }),
          ),
        },
        { additionalProperties: false, description: 'Outbound-call lists the call centre pulls over the API or as CSV.' },
      ),
    ),
    branch_task: Type.Optional(
      Type.Object(localCommon('task'), { additionalProperties: false, description: "Tasks for relationship managers of the customer's organisation unit." }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'The channels messages are sent on; a channel not listed here sends nothing (docs/reach.md).' },
);

/** How the dispatcher drains the journey outbox (docs/reach.md, The dispatcher). */
const ReachDispatch = Type.Object(
  {
    batch: Type.Integer({ minimum: 1, maximum: 10_000, default: 200, description: 'Outbox rows claimed at once.' }),
    leaseMs: Type.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      default: 120_000,
      description: 'How long a claimed row is held by this node before it is claimed again (after a crash); must exceed the time a batch takes to send.',
    }),
    pollMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000, description: 'Between looks at an outbox that had nothing due (ms).' }),
    concurrency: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 64,
      description: "Sends in flight at once over all channels (each channel's own concurrency also holds).",
    }),
    drainMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 10_000,
      description: 'At stop, how long sends in flight are waited for before they are aborted.',
    }),
    pauseExpiryMs: Type.Integer({
      minimum: 60_000,
      maximum: 31_622_400_000,
      default: 86_400_000,
      description:
        "A paused journey's queued message waits for the resume, unless it has been due for longer than this: then it is never sent (suppressed `expired`).",
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    node: Type.Object(
      {
        name: Name("This node's name."),
        dataDir: FilePath('Directory holding the SQLite database and the audit head anchor.'),
      },
      { additionalProperties: false },
    ),
    identity: Type.Object(
      {
        key: FilePath('Path to the node private key (PEM, mode 0600).'),
        certificate: FilePath('Path to the node certificate (PEM).'),
      },
      { additionalProperties: false },
    ),
    grpc: Type.Object({ listen: HostPort('Address the peer gRPC server listens on (mutual TLS).') }, { additionalProperties: false }),
    http: Type.Object(
      {
        listen: HostPort('Address the HTTP API listens on. A non-loopback address needs `tls` (or `allowInsecure: true`).'),
        tokens: FilePath('Path to the API token file (hashes with roles, mode 0600).'),
        tls: Type.Optional(
          Type.Object(
            {
              certificate: FilePath('Server certificate chain (PEM) the API presents.'),
              key: FilePath('Private key of the server certificate (PEM, mode 0600).'),
              clientCa: Type.Optional(FilePath('CA certificates (PEM): when set, every client must present a certificate issued by one of them (mutual TLS).')),
            },
            { additionalProperties: false, description: 'Serve the API over HTTPS.' },
          ),
        ),
        allowInsecure: Type.Boolean({
          default: false,
          description: 'Allow plain HTTP on a non-loopback address (tokens then cross the network in clear). Logged as a warning at start.',
        }),
      },
      { additionalProperties: false },
    ),
    metrics: Type.Object(
      {
        listen: Type.Optional(
          HostPort(
            'Also serve GET /metrics without a token on this loopback address (for a local Prometheus agent). The API serves /metrics with a token either way.',
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    peers: Type.Array(PeerConfigSchema, { description: 'Partner nodes this node may talk to.' }),
    limits: Type.Object(
      {
        maxMessageBytes: Type.Integer({
          minimum: 65_536,
          maximum: 67_108_864,
          default: 4_194_304,
          description: 'Largest gRPC message accepted from a peer, in bytes.',
        }),
        maxBatch: Type.Integer({ minimum: 1, maximum: 65_536, default: 4096, description: 'Largest batch of group elements in one peer message.' }),
        maxSetSize: Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 50_000_000, description: 'Largest set a peer may announce for one run.' }),
        peerTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, description: 'A peer silent for this long fails the run.' }),
        peerQueriesPerDay: Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          default: 1000,
          description:
            'Runs this node takes part in with any one peer per rolling 24 hours, over every agreement and dataset and in either role (docs/privacy.md, The pair ledger).',
        }),
        connections: Type.Object(
          {
            perAddress: Type.Integer({
              minimum: 1,
              maximum: 65_536,
              default: 32,
              description: 'Connections one remote address may hold open to the peer port; more are closed before TLS.',
            }),
            newPerSecond: Type.Integer({
              minimum: 1,
              maximum: 100_000,
              default: 10,
              description: 'New connections an address may open per second, after its burst.',
            }),
            newBurst: Type.Integer({ minimum: 1, maximum: 100_000, default: 20, description: 'New connections an address may open at once.' }),
          },
          {
            additionalProperties: false,
            default: {},
            description: 'Connections to the peer gRPC port per remote address (docs/peering.md, Security hardening).',
          },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    jobs: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 3, description: 'Attempts of a job whose peer is unreachable before it fails.' }),
        retryDelayMs: Type.Integer({
          minimum: 100,
          maximum: 3_600_000,
          default: 2000,
          description: 'Delay before the first retry; doubles with each attempt.',
        }),
        threads: Type.Integer({ minimum: 0, maximum: 256, default: 0, description: 'Worker threads for the group operations; 0 = one per core.' }),
        leaseMs: Type.Integer({
          minimum: 500,
          maximum: 600_000,
          default: 15_000,
          description: 'A running job whose runner is silent this long is taken over (restarted) by another runner.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    imports: Type.Object(
      {
        allowedDirs: Type.Array(FilePath('A directory whose files API callers may import by path (symbolic links are resolved before the check).'), {
          default: [],
          description:
            "Directories API path imports may read; empty (the default) refuses every path import over HTTP, uploads still work. The node's own directories are never readable this way, even if listed. The CLI `mofang import` is not limited.",
        }),
      },
      { additionalProperties: false, default: {}, description: 'Dataset imports (docs/import.md).' },
    ),
    policy: Type.Object(
      {
        maxEpsilonPerQuery: Type.Number({
          exclusiveMinimum: 0,
          maximum: 10,
          default: DEFAULT_POLICY.maxEpsilonPerQuery,
          description: 'Largest aggregate.epsilonPerQuery this node proposes or accepts.',
        }),
        maxEpsilonPerPeriod: Type.Number({
          exclusiveMinimum: 0,
          maximum: 1000,
          default: DEFAULT_POLICY.maxEpsilonPerPeriod,
          description: 'Largest aggregate.budget.epsilon (all queries of one period together) this node proposes or accepts.',
        }),
        minPeriodDays: Type.Integer({
          minimum: 1,
          maximum: 366,
          default: DEFAULT_POLICY.minPeriodDays,
          description: 'Shortest aggregate.budget.periodDays: a shorter period refills the budget sooner.',
        }),
        minGroupSize: Type.Integer({
          minimum: 1,
          maximum: 1_000_000_000,
          default: DEFAULT_POLICY.minGroupSize,
          description: 'Smallest aggregate.minGroupSize: released groups at least this large keep one member hidden in the crowd.',
        }),
        minIntersection: Type.Integer({
          minimum: 1,
          maximum: 1_000_000_000,
          default: DEFAULT_POLICY.minIntersection,
          description: "Smallest minIntersection; aggregate.minInputSize must also reach the agreement's minIntersection.",
        }),
        maxQueriesPerDay: Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          default: DEFAULT_POLICY.maxQueriesPerDay,
          description: 'Largest maxQueriesPerDay; terms without a rate limit are below policy.',
        }),
        maxQuerierReimportsPerDay: Type.Integer({
          minimum: 0,
          maximum: 1_000_000,
          default: DEFAULT_MAX_QUERIER_REIMPORTS_PER_DAY,
          description:
            'As the responder: times a querier may re-import its dataset per data pair and 24 hours; a run after more is refused (QUERIER_REIMPORT_LIMIT). 0 refuses any re-import within 24 hours (docs/privacy.md, Re-imports and probing).',
        }),
        allowExactCounts: Type.Boolean({
          default: DEFAULT_POLICY.allowExactCounts,
          description: 'Whether this node proposes or accepts terms with exactCounts: true (overlap counts released without noise).',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          'Floors every agreement this node proposes or accepts must meet; weaker terms need an explicit, audited override (docs/privacy.md, Policy floors).',
      },
    ),
    events: Type.Object(
      {
        identifierKind: Type.Union(
          ID_KINDS.map((k) => Type.Literal(k)),
          {
            default: 'raw',
            description: "How customer ids in events are normalised before storage: like the datasets' identifier kind, so events join to them.",
          },
        ),
        timeZone: Type.String({
          minLength: 1,
          default: 'UTC',
          description: 'IANA time zone the analysis models bucket days, weeks and months in (times are stored in UTC).',
          examples: ['Asia/Shanghai'],
        }),
        maxBatch: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 1000,
          description: 'Most events in one POST /v1/events batch; a larger batch is refused whole (413).',
        }),
        futureToleranceSeconds: Type.Integer({
          minimum: 0,
          maximum: 86_400,
          default: 300,
          description: "How far an event's time may lie ahead of this node's clock (senders' clocks drift); later is rejected.",
        }),
        maxAgeDays: Type.Integer({
          minimum: 1,
          maximum: 36_500,
          default: 400,
          description: 'Oldest event time accepted, in days before now; `mofang events import --max-age-days` may widen it for one historical import.',
        }),
        retentionIntervalSeconds: Type.Integer({
          minimum: 1,
          maximum: 604_800,
          default: 3600,
          description: 'How often the running node deletes events older than their retention (per event name, from the tracking plan).',
        }),
        memoryLimitMb: Type.Integer({
          minimum: 256,
          maximum: 1_048_576,
          default: 2048,
          description: 'Memory the event store may use for queries and ingestion, in MB; larger analyses spill to disk (DuckDB memory_limit).',
        }),
        threads: Type.Integer({
          minimum: 0,
          maximum: 256,
          default: 0,
          description: 'Threads an analysis query may use; 0: one per core.',
        }),
        cors: Type.Object(
          {
            allowedOrigins: Type.Array(
              Type.String({
                pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?$',
                description: 'An origin exactly as a browser sends it: scheme, host and port if not the default; no path, no trailing slash.',
                examples: ['https://www.bank.example'],
              }),
              {
                default: [],
                uniqueItems: true,
                description:
                  'Web pages on these origins may send events to POST /v1/events from a browser (the SDK with an ingest token); empty: no CORS headers at all.',
              },
            ),
          },
          { additionalProperties: false, default: {}, description: 'Browser access to POST /v1/events from other origins (docs/events.md, Browsers).' },
        ),
      },
      { additionalProperties: false, default: {}, description: 'Customer events (docs/events.md).' },
    ),
    analytics: Type.Object(
      {
        timeoutMs: Type.Integer({
          minimum: 0,
          maximum: 3_600_000,
          default: 60_000,
          description: 'An analysis query running longer is interrupted (ANALYTICS_TIMEOUT); 0: no limit.',
        }),
        maxRangeDays: Type.Integer({ minimum: 1, maximum: 3660, default: 400, description: 'Longest date range an analysis model accepts, in days.' }),
      },
      { additionalProperties: false, default: {}, description: 'The analysis models (docs/analytics.md).' },
    ),
    alerts: Type.Object(
      {
        webhook: Type.Optional(Webhook('The webhook alert rules post to unless they name another.')),
        webhooks: Type.Record(Type.String({ pattern: NAME }), Webhook('A webhook an alert rule names.'), {
          default: {},
          description: 'Further webhooks by name, which an alert rule may pick (its webhook field).',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Metric alerts and where they are posted (docs/alerts.md).' },
    ),
    journeys: Type.Object(
      {
        frequency: FrequencyConfigSchema,
        tickMs: Type.Integer({
          minimum: 50,
          maximum: 3_600_000,
          default: 1000,
          description: 'How often the journey engine fires due timers, runs due segment entries and catches up on events (ms); timers fire up to this late.',
        }),
        batch: Type.Integer({ minimum: 1, maximum: 100_000, default: 500, description: 'Due entries advanced per batch of a tick.' }),
      },
      { additionalProperties: false, default: {}, description: 'Customer journeys: the engine and frequency control (docs/journeys.md).' },
    ),
    reach: Type.Object(
      {
        channels: ReachChannels,
        dispatch: ReachDispatch,
        costs: Type.Object(
          {
            inbox: Type.Number({ minimum: 0, default: 0, description: 'What one in-app inbox message costs.' }),
            call: Type.Number({ minimum: 0, default: 0, description: 'What one outbound-call task costs (the call centre’s time).' }),
            branch_task: Type.Number({ minimum: 0, default: 0, description: 'What one branch staff task costs.' }),
          },
          {
            additionalProperties: false,
            default: {},
            description: "Cost per message or task of the channels the node keeps itself, for ROI; the others' is their costPerMessage.",
          },
        ),
        attribution: Type.Object(
          {
            windowDays: Type.Number({
              exclusiveMinimum: 0,
              maximum: 366,
              default: 7,
              description: 'A goal event counts for the last message sent to the customer at most this many days before it.',
            }),
            valueProperty: Type.Optional(
              Type.String({
                pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
                description: "The goal event's number property that is the conversion's value (e.g. amount).",
              }),
            ),
          },
          {
            additionalProperties: false,
            default: {},
            description: 'How campaign reports credit conversions to messages (docs/reach.md, Feedback and reports).',
          },
        ),
        feedback: Type.Object(
          {
            signatureToleranceSeconds: Type.Integer({
              minimum: 10,
              maximum: 3600,
              default: 300,
              description: "A callback whose Mofang-Signature timestamp is further than this from the node's clock is refused (replay).",
            }),
            maxReceiptBatch: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'Receipts in one callback at most.' }),
            publicRatePerMinute: Type.Integer({
              minimum: 1,
              maximum: 1_000_000,
              default: 120,
              description: 'Requests per minute one remote address may make to the public unsubscribe and tracking routes.',
            }),
          },
          { additionalProperties: false, default: {}, description: 'Delivery receipts, unsubscribes, opens and clicks (docs/reach.md).' },
        ),
      },
      { additionalProperties: false, default: {}, description: 'Sending messages to customers (docs/reach.md).' },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info', description: 'pino log level.' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type PeerConfig = Static<typeof PeerConfigSchema>;
export type NodeConfig = Static<typeof ConfigSchema>;
export type ReachChannelsConfig = Static<typeof ReachChannels>;
export type ReachDispatchConfig = Static<typeof ReachDispatch>;
export type CredentialConfig = Static<ReturnType<typeof Credential>>;
