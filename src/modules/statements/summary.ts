import { z } from 'zod'
import { timestamps } from '../../http/schemas.ts'
import { datePrecisions } from '../common.ts'

export const statementKinds = ['claim', 'denial', 'confirmation', 'accusation', 'condemnation', 'appeal', 'offer', 'threat',
  'assessment', 'other'] as const

export const statementChannels = ['press_conference', 'press_release', 'interview', 'speech', 'social_media', 'broadcast', 'document', 'other'] as const

export const statementFields = {
  id: z.uuid(),
  speakerId: z.uuid().describe('the actor who made the statement'),
  speakerTitle: z.string().nullable().describe('the speaker\'s title at the time, e.g. "Former U.S. President"'),
  kind: z.enum(statementKinds),
  summary: z.string().describe('what was said, in our words'),
  quote: z.string().nullable().describe('verbatim text, stored and returned byte for byte'),
  language: z.string().describe('BCP 47 language tag of the quote or statement'),
  channel: z.enum(statementChannels).nullable().describe('how it was said; null when unknown'),
  place: z.string().nullable().describe('where it was said, as reported'),
  originalQuote: z.string().nullable().describe('the verbatim words in the language spoken, when quote is a translation; byte for byte'),
  originalLanguage: z.string().nullable().describe('BCP 47 language tag of originalQuote; set exactly when originalQuote is'),
  statedAt: z.iso.datetime(),
  datePrecision: z.enum(datePrecisions),
  incidentIds: z.array(z.uuid()).describe('incidents the statement is about'),
  aboutActorIds: z.array(z.uuid()).describe('actors the statement is about'),
  respondsToId: z.uuid().nullable().describe('the statement this one answers (a denial of a claim or accusation)'),
  sourceIds: z.array(z.uuid()),
  ...timestamps
}

/** A statement without expansions, as embedded in incidents and in other statements. */
export const statementSummarySchema = z.object(statementFields).meta({ id: 'StatementSummary' })

export type StatementSummary = z.infer<typeof statementSummarySchema>
