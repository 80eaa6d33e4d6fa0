import { useState } from 'preact/hooks'

export interface Token { value: string, label: string }

interface Props {
  id: string
  label: string
  tokens: Token[]
  /** what the datalist offers for the text typed so far */
  suggestions: Token[]
  placeholder?: string
  onInput?: (text: string) => void
  /** the token the typed text names, or null when it names none */
  resolve: (text: string) => Token | null
  onChange: (values: string[]) => void
}

/**
 * A list of chosen values as removable chips plus a text box that suggests more (a native datalist,
 * so the keyboard and screen readers work as they do everywhere). Enter or choosing a suggestion adds.
 */
export function TokenField ({ id, label, tokens, suggestions, placeholder, onInput, resolve, onChange }: Props) {
  const [text, setText] = useState('')
  const [error, setError] = useState('')
  const add = (value: string) => {
    const token = resolve(value)
    if (!token) {
      if (value.trim()) setError(`No match for “${value.trim()}”`)
      return
    }
    setText('')
    setError('')
    if (!tokens.some((t) => t.value === token.value)) onChange([...tokens.map((t) => t.value), token.value])
  }
  return (
    <div class='field token-field'>
      <label for={id}>{label}</label>
      <div class='tokens'>
        {tokens.map((t) => (
          <span class='chip' key={t.value}>
            {t.label}
            <button type='button' aria-label={`Remove ${t.label}`} onClick={() => onChange(tokens.filter((x) => x.value !== t.value).map((x) => x.value))}>×</button>
          </span>
        ))}
        <input
          id={id}
          list={`${id}-options`}
          value={text}
          placeholder={placeholder}
          autocomplete='off'
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onInput={(e) => {
            const value = e.currentTarget.value
            setText(value)
            setError('')
            onInput?.(value)
            // Choosing a datalist option fires input with its exact text: add it at once.
            if ((e as InputEvent).inputType === 'insertReplacementText' || (e as InputEvent).inputType === undefined) {
              if (suggestions.some((s) => s.label === value)) add(value)
            }
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault()
              add(e.currentTarget.value)
            }
          }}
        />
      </div>
      <datalist id={`${id}-options`}>
        {suggestions.map((s) => <option key={s.value} value={s.label} />)}
      </datalist>
      {error && <p class='field-error' id={`${id}-error`} role='alert'>{error}</p>}
    </div>
  )
}
