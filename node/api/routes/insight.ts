/**
 * HTTP API of the insight domain under /v1/insight. Operators change things; operators and
 * compliance read (a profile lookup and a preview are reads). Routes validate and translate; the
 * `Insight` service does the work and the auditing. Every call passes the caller (`actorOf`),
 * whose unit — if the token carries one — limits what it sees (the service enforces it).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { Insight } from '../../insight/insight.js';
import type { LayeringSpec } from '../../insight/layering/spec.js';
import type { FlowSource } from '../../insight/flows/flows.js';
import * as S from './insight-schemas.js';
import { sharedSetRoutes } from './insight-shared-sets.js';
import { unitRoutes } from './insight-units.js';

type P<T> = { Params: T };
const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };

export const insightRoutes: FastifyPluginAsync<{ insight: Insight }> = async (app, options) => {
  app.register(unitRoutes, options);
  app.register(sharedSetRoutes, options);
  const { insight } = options;
  const tags = ['insight'];

  // -- profiles
  app.get<P<Static<typeof S.DatasetParam>>>(
    '/insight/datasets/:dataset/attributes',
    {
      config: READ,
      schema: {
        tags,
        summary: "A dataset's profile attributes: its columns (typed) and the joint attributes its agreements allow",
        params: S.DatasetParam,
        response: { 200: S.AttributeCatalogue },
      },
    },
    async (r) => insight.attributes(r.params.dataset, actorOf(r)),
  );

  app.post<P<Static<typeof S.DatasetParam>>>(
    '/insight/datasets/:dataset/profiles/build',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Rebuild the typed profile table of the live generation now (otherwise built on first use after an import)',
        params: S.DatasetParam,
        response: { 200: S.ProfileBuild },
      },
    },
    async (r) => insight.buildProfiles(r.params.dataset, actorOf(r)),
  );

  app.post<P<Static<typeof S.DatasetParam>> & { Body: Static<typeof S.LookupBody> }>(
    '/insight/datasets/:dataset/profiles/lookup',
    {
      config: READ,
      schema: {
        tags,
        summary: 'One customer by identifier, every attribute with its source',
        description:
          'The identifier travels in the body, not the URL. Joint attributes their agreement does not allow are listed under withheld, without value. Audited (never the identifier).',
        params: S.DatasetParam,
        body: S.LookupBody,
        response: { 200: S.ProfileView },
      },
    },
    async (r) => insight.showProfile(r.params.dataset, r.body.id, actorOf(r)),
  );

  // -- segments
  app.post<{ Body: Static<typeof S.PreviewBody> }>(
    '/insight/segments/preview',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Size and a small sample (masked identifiers) of a rule, saving nothing',
        body: S.PreviewBody,
        response: { 200: S.PreviewView },
      },
    },
    async (r) => insight.preview(r.body.dataset, r.body.rule, r.body.sample, actorOf(r)),
  );

  app.get<{ Querystring: Static<typeof S.SegmentListQuery> }>(
    '/insight/segments',
    {
      config: READ,
      schema: { tags, summary: 'List segments', querystring: S.SegmentListQuery, response: { 200: Type.Object({ segments: Type.Array(S.SegmentView) }) } },
    },
    async (r) => ({ segments: insight.listSegments({ dataset: r.query.dataset }, actorOf(r)) }),
  );

  app.post<{ Body: Static<typeof S.CreateSegment> }>(
    '/insight/segments',
    {
      config: WRITE,
      schema: { tags, summary: 'Save a segment (version 1) and materialise it', body: S.CreateSegment, response: { 201: S.SegmentView } },
    },
    async (r, reply) => reply.code(201).send(await insight.createSegment(r.body, actorOf(r))),
  );

  app.get<P<Static<typeof S.NameParam>>>(
    '/insight/segments/:name',
    {
      config: READ,
      schema: { tags, summary: 'One segment: current version, rule, latest size', params: S.NameParam, response: { 200: S.SegmentView } },
    },
    async (r) => insight.getSegment(r.params.name, actorOf(r)),
  );

  app.patch<P<Static<typeof S.NameParam>> & { Body: Static<typeof S.UpdateSegment> }>(
    '/insight/segments/:name',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Edit a segment; a new rule becomes a new version (old versions and their sizes are kept)',
        params: S.NameParam,
        body: S.UpdateSegment,
        response: { 200: S.SegmentView },
      },
    },
    async (r) => insight.updateSegment(r.params.name, r.body, actorOf(r)),
  );

  app.delete<P<Static<typeof S.NameParam>>>(
    '/insight/segments/:name',
    {
      config: WRITE,
      schema: { tags, summary: 'Delete a segment no other segment or flow uses', params: S.NameParam, response: { 204: Type.Null() } },
    },
    async (r, reply) => {
      insight.deleteSegment(r.params.name, actorOf(r));
      return reply.code(204).send();
    },
  );

  app.post<P<Static<typeof S.NameParam>>>(
    '/insight/segments/:name/refresh',
    {
      config: WRITE,
      schema: { tags, summary: 'Materialise the current version now', params: S.NameParam, response: { 200: S.MaterialisationView } },
    },
    async (r) => insight.refreshSegment(r.params.name, actorOf(r)),
  );

  app.get<P<Static<typeof S.NameParam>>>(
    '/insight/segments/:name/versions',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Every version of the rule, newest first, each with its history of sizes',
        params: S.NameParam,
        response: { 200: S.SegmentVersions },
      },
    },
    async (r) => ({ versions: insight.segmentVersions(r.params.name, actorOf(r)) }),
  );

  // -- layering
  app.post<{ Body: Static<typeof S.RunLayeringBody> }>(
    '/insight/layerings/run',
    {
      config: READ,
      schema: { tags, summary: 'Compute a layering without saving it', body: S.RunLayeringBody, response: { 200: S.LayeringResult } },
    },
    async (r) => insight.computeLayering(r.body.dataset, r.body.spec as LayeringSpec, actorOf(r)),
  );

  app.get(
    '/insight/layerings',
    {
      config: READ,
      schema: { tags, summary: 'List saved layerings', response: { 200: Type.Object({ layerings: Type.Array(S.LayeringView) }) } },
    },
    async (r) => ({ layerings: insight.listLayerings(actorOf(r)) }),
  );

  app.post<{ Body: Static<typeof S.SaveLayeringBody> }>(
    '/insight/layerings',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Save a layering (computed once to check it)',
        body: S.SaveLayeringBody,
        response: { 201: Type.Object({ layering: S.LayeringView, result: S.LayeringResult }) },
      },
    },
    async (r, reply) => reply.code(201).send(await insight.saveLayering({ ...r.body, spec: r.body.spec as LayeringSpec }, actorOf(r))),
  );

  app.put<P<Static<typeof S.NameParam>> & { Body: Static<typeof S.ReplaceLayeringBody> }>(
    '/insight/layerings/:name',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Change a saved layering',
        params: S.NameParam,
        body: S.ReplaceLayeringBody,
        response: { 200: Type.Object({ layering: S.LayeringView, result: S.LayeringResult }) },
      },
    },
    async (r) => insight.saveLayering({ name: r.params.name, dataset: r.body.dataset, spec: r.body.spec as LayeringSpec }, actorOf(r), true),
  );

  app.get<P<Static<typeof S.NameParam>>>(
    '/insight/layerings/:name',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Compute a saved layering',
        params: S.NameParam,
        response: { 200: Type.Object({ layering: S.LayeringView, result: S.LayeringResult }) },
      },
    },
    async (r) => ({ layering: insight.getLayering(r.params.name, actorOf(r)), result: await insight.runLayering(r.params.name, actorOf(r)) }),
  );

  app.delete<P<Static<typeof S.NameParam>>>(
    '/insight/layerings/:name',
    {
      config: WRITE,
      schema: { tags, summary: 'Delete a layering no flow uses', params: S.NameParam, response: { 204: Type.Null() } },
    },
    async (r, reply) => {
      insight.deleteLayering(r.params.name, actorOf(r));
      return reply.code(204).send();
    },
  );

  app.post<P<Static<typeof S.NameParam>> & { Body: Static<typeof S.CellSegmentBody> }>(
    '/insight/layerings/:name/cells/segment',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Save one cell (by its path of labels) as a segment',
        params: S.NameParam,
        body: S.CellSegmentBody,
        response: { 201: S.SegmentView },
      },
    },
    async (r, reply) => {
      const { path, ...segment } = r.body;
      return reply.code(201).send(await insight.saveCell(r.params.name, path, segment, actorOf(r)));
    },
  );

  // -- flows
  app.get(
    '/insight/flows',
    {
      config: READ,
      schema: { tags, summary: 'List flows', response: { 200: Type.Object({ flows: Type.Array(S.FlowView) }) } },
    },
    async (r) => ({ flows: insight.listFlows(actorOf(r)) }),
  );

  app.post<{ Body: Static<typeof S.CreateFlow> }>(
    '/insight/flows',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Create a flow over segments (first match wins) or the leaf cells of a layering',
        body: S.CreateFlow,
        response: { 201: S.FlowView },
      },
    },
    async (r, reply) => reply.code(201).send(insight.createFlow({ ...r.body, source: r.body.source as FlowSource }, actorOf(r))),
  );

  app.patch<P<Static<typeof S.NameParam>> & { Body: Static<typeof S.UpdateFlow> }>(
    '/insight/flows/:name',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Set (day, week, month) or clear (null) the schedule on which the node snapshots the flow',
        params: S.NameParam,
        body: S.UpdateFlow,
        response: { 200: S.FlowView },
      },
    },
    async (r) => insight.updateFlow(r.params.name, r.body, actorOf(r)),
  );

  app.get<P<Static<typeof S.NameParam>>>(
    '/insight/flows/:name',
    {
      config: READ,
      schema: {
        tags,
        summary: 'A flow and its snapshots, oldest first (the trend of sizes)',
        params: S.NameParam,
        response: { 200: Type.Object({ flow: S.FlowView, snapshots: Type.Array(S.SnapshotView) }) },
      },
    },
    async (r) => ({ flow: insight.getFlow(r.params.name, actorOf(r)), snapshots: insight.listSnapshots(r.params.name, actorOf(r)) }),
  );

  app.post<P<Static<typeof S.NameParam>> & { Body: Static<typeof S.SnapshotBody> }>(
    '/insight/flows/:name/snapshots',
    {
      config: WRITE,
      schema: { tags, summary: "Snapshot the flow's categories for a period", params: S.NameParam, body: S.SnapshotBody, response: { 201: S.SnapshotView } },
    },
    async (r, reply) => reply.code(201).send(await insight.takeSnapshot(r.params.name, r.body?.period, actorOf(r))),
  );

  app.get<P<Static<typeof S.NameParam>> & { Querystring: Static<typeof S.MatrixQuery> }>(
    '/insight/flows/:name/matrix',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Transition matrix between the snapshots of two periods (rows sum to the earlier sizes)',
        params: S.NameParam,
        querystring: S.MatrixQuery,
        response: { 200: S.MatrixView },
      },
    },
    async (r) => insight.transitionMatrix(r.params.name, r.query.from, r.query.to, actorOf(r)),
  );
};
