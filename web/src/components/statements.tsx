import { formatDate } from '../labels.ts'
import type { Statement } from '../types.ts'
import { KindBadge } from './badges.tsx'

interface Props {
  statements: Statement[]
  /** every response known, by the id of the statement it responds to */
  responses: Map<string, Statement[]>
  names: Map<string, string>
  showSpeaker?: boolean
}

/** Statements, each with the denials (and other responses) to it threaded underneath. */
export function StatementThread ({ statements, responses, names, showSpeaker = false }: Props) {
  return (
    <ul class='statements'>
      {statements.map((s) => {
        const replies = responses.get(s.id) ?? []
        return (
          <li key={s.id} class={`statement kind-${s.kind}`} data-kind={s.kind}>
            <div class='statement-head'>
              <KindBadge kind={s.kind} />
              {showSpeaker && <strong>{names.get(s.speakerId) ?? '…'}</strong>}
              {s.speakerTitle && <span class='muted'>{s.speakerTitle}</span>}
              <time class='muted' dateTime={s.statedAt}>{formatDate(s.statedAt, s.datePrecision)}</time>
            </div>
            <p>{s.summary}</p>
            {s.quote && <blockquote>“{s.quote}”</blockquote>}
            {replies.length > 0 && (
              <div class='replies'>
                <p class='replies-label'>In response</p>
                <StatementThread statements={replies} responses={responses} names={names} showSpeaker />
              </div>
            )}
          </li>
        )
      })}
    </ul>
  )
}
